/**
 * Largest captured length accepted per link type: a record above it means the
 * file is corrupt (libpcap's max_snaplen_for_dlt, which Wireshark also uses).
 */
export const MAX_CAPLEN_DEFAULT = 262144;

export function maxCapLen(linkType: number): number {
  switch (linkType) {
    case 231: // DBUS: messages up to 128 MiB
      return 128 * 1024 * 1024;
    case 279: // EBHSCR
      return 8 * 1024 * 1024;
    case 249: // USBPCAP
      return 1024 * 1024;
    default:
      return MAX_CAPLEN_DEFAULT;
  }
}
