/**
 * PNG copies of the report's SVG figures, rasterised by resvg (@resvg/resvg-js, a prebuilt native module
 * per platform). PNG is a convenience: where resvg has no binary for the platform, svgToPng throws one
 * clear line and writeSvgAndPng still writes the SVG, reporting why there is no PNG.
 */
import { createRequire } from 'node:module';
import { rmSync } from 'node:fs';
import type * as ResvgJs from '@resvg/resvg-js';
import { writeFileAtomic } from '../util/atomic-write.js';

type ResvgModule = typeof ResvgJs;

/** resvg could not be loaded on this machine: PNG output is unavailable, SVG output is not affected. */
export class PngUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PngUnavailableError';
  }
}

const require = createRequire(import.meta.url);

function defaultLoader(): ResvgModule {
  return require('@resvg/resvg-js') as ResvgModule;
}

let loader: () => ResvgModule = defaultLoader;
let cached: { module: ResvgModule } | { error: PngUnavailableError } | undefined;

/** For tests: replaces how resvg is loaded (e.g. by one that throws, as on an unsupported platform). */
export function setResvgLoaderForTests(replacement: (() => ResvgModule) | undefined): void {
  loader = replacement ?? defaultLoader;
  cached = undefined;
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n', 1)[0].trim();
}

/** resvg, loaded once; a failure to load is remembered too, so the cost of trying is paid only once. */
function resvg(): ResvgModule {
  if (cached === undefined) {
    try {
      cached = { module: loader() };
    } catch (err) {
      cached = {
        error: new PngUnavailableError(
          `PNG output unavailable: @resvg/resvg-js could not load on ${process.platform}-${process.arch} (${firstLine(err)})`,
        ),
      };
    }
  }
  if ('error' in cached) throw cached.error;
  return cached.module;
}

/** The width attribute of the root <svg> element in px, if it has a plain numeric one. */
function declaredWidth(svg: string): number | undefined {
  const root = /<svg\b[^>]*>/.exec(svg)?.[0];
  const m = root === undefined ? null : /\swidth\s*=\s*["']\s*([0-9.]+)\s*(px)?\s*["']/.exec(root);
  const w = m === null ? NaN : Number(m[1]);
  return Number.isFinite(w) && w > 0 ? w : undefined;
}

/**
 * Rasterises an SVG document to PNG bytes, scaled to `width` px (default: twice the SVG's declared width,
 * for sharp text on high-density screens and in print; 1600 px when it declares none). Text uses the
 * system fonts, with DejaVu Sans for families that are not installed.
 * @throws PngUnavailableError when resvg cannot be loaded on this platform; Error when the SVG is invalid.
 */
export function svgToPng(svg: string, options: { width?: number } = {}): Uint8Array {
  const { Resvg } = resvg();
  const width = Math.round(options.width ?? 2 * (declaredWidth(svg) ?? 800));
  if (!Number.isFinite(width) || width < 1) throw new Error(`svgToPng: invalid width ${options.width}`);
  const renderOptions: ResvgJs.ResvgRenderOptions = {
    fitTo: { mode: 'width', value: width },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    logLevel: 'off',
  };
  const png = new Resvg(svg, renderOptions).render().asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

export type SvgAndPngResult =
  { png: true; svgPath: string; pngPath: string } | { png: false; reason: string; svgPath: string };

/**
 * Writes `X.svg` and `X.png` for `pathWithoutExt` = X, each atomically. When resvg is unavailable only the
 * SVG is written, an older X.png is removed (it would no longer match the SVG) and the result says why.
 */
export function writeSvgAndPng(pathWithoutExt: string, svg: string): SvgAndPngResult {
  const svgPath = `${pathWithoutExt}.svg`;
  const pngPath = `${pathWithoutExt}.png`;
  let png: Uint8Array;
  try {
    png = svgToPng(svg);
  } catch (err) {
    if (!(err instanceof PngUnavailableError)) throw err;
    writeFileAtomic(svgPath, svg);
    rmSync(pngPath, { force: true });
    return { png: false, reason: err.message, svgPath };
  }
  writeFileAtomic(svgPath, svg);
  writeFileAtomic(pngPath, png);
  return { png: true, svgPath, pngPath };
}
