/** Option parsers with a declared range: a value outside it is one line naming the flag (commander adds it). */
import { InvalidArgumentError } from 'commander';

export function boundedNumber(
  low: number,
  high: number,
  { exclusiveLow = false } = {},
): (value: string) => number {
  return (value) => {
    const n = Number(value);
    const ok = value.trim() !== '' && Number.isFinite(n) && (exclusiveLow ? n > low : n >= low) && n <= high;
    if (!ok)
      throw new InvalidArgumentError(
        `expected a number ${exclusiveLow ? 'above' : 'from'} ${low}${exclusiveLow ? ' and up' : ''} to ${high}.`,
      );
    return n;
  };
}

export function boundedInt(low: number, high: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < low || n > high)
      throw new InvalidArgumentError(`expected an integer from ${low} to ${high}.`);
    return n;
  };
}
