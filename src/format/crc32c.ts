/**
 * CRC-32C (Castagnoli: reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF),
 * the checksum iSCSI, ext4 and SCTP use. OpenHCL's format has none; the hardening lab
 * (docs/hardening.md) uses it for its hypothetical `crc32c-in-header` variant.
 */

/** The byte-at-a-time table: entry i is the CRC of the single byte i. */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f6_3b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/**
 * Continues a CRC-32C over `bytes` from a previous result (`crc` 0 starts a new one), so a
 * checksum over several pieces equals the checksum of their concatenation.
 */
export function crc32c(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
