/**
 * CRC-32 (IEEE 802.3, the zlib polynomial) over the UTF-8 bytes of an ASCII string.
 * Hand-written rather than `node:zlib` so the token format stays importable anywhere
 * (edge runtimes, browsers) and so the scanner can checksum millions of candidates
 * without crossing into native code for 30 bytes at a time.
 */
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 of an ASCII string (characters above 0x7f are not expected in token bodies). */
export function crc32Ascii(text: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) {
    crc = (TABLE[(crc ^ text.charCodeAt(i)) & 0xff] as number) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}
