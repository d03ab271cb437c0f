/**
 * Types worth compressing: text, and structured text under other top-level types (JSON, XML, JavaScript, SVG,
 * fonts without their own compression). Images other than SVG, audio, video, archives, PDFs and woff/woff2 are
 * compressed already: compressing them again costs CPU and saves nothing.
 */
const COMPRESSIBLE = new Set([
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
  'application/json',
  'application/xml',
  'application/xhtml+xml',
  'application/wasm',
  'application/x-ndjson',
  'application/graphql-response+json',
  'application/vnd.ms-fontobject',
  'application/x-font-ttf',
  'application/x-httpd-php',
  'application/x-sh',
  'application/yaml',
  'application/toml',
  'font/ttf',
  'font/otf',
  'image/svg+xml',
  'image/x-icon',
  'image/vnd.microsoft.icon',
  'image/bmp',
]);

/** Whether a response of this `Content-Type` is worth compressing (no type: not). */
export function isCompressibleType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const semicolon = contentType.indexOf(';');
  const type = (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  if (type.startsWith('text/')) return true;
  if (type.endsWith('+json') || type.endsWith('+xml') || type.endsWith('+yaml')) return true;
  return COMPRESSIBLE.has(type);
}
