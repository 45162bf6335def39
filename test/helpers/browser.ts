/** Debian's Chromium for browser tests (playwright-core never downloads one), quiet on a closed network. */
export const CHROMIUM_PATH = '/usr/bin/chromium';
// No QUIC, no component or sync traffic, no first-run work: their connections are refused here.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
