/**
 * CSV columns: CICFlowMeter's 84 columns in its exact names and order
 * (FlowFeature.java of ahlashkari/CICFlowMeter, "Flow ID" ... "Label"),
 * followed by wirewatch's extra columns. docs/features.md defines each.
 */

export const CIC_COLUMNS = [
  'Flow ID', 'Src IP', 'Src Port', 'Dst IP', 'Dst Port', 'Protocol', 'Timestamp', 'Flow Duration',
  'Total Fwd Packet', 'Total Bwd packets', 'Total Length of Fwd Packet', 'Total Length of Bwd Packet',
  'Fwd Packet Length Max', 'Fwd Packet Length Min', 'Fwd Packet Length Mean', 'Fwd Packet Length Std',
  'Bwd Packet Length Max', 'Bwd Packet Length Min', 'Bwd Packet Length Mean', 'Bwd Packet Length Std',
  'Flow Bytes/s', 'Flow Packets/s', 'Flow IAT Mean', 'Flow IAT Std', 'Flow IAT Max', 'Flow IAT Min',
  'Fwd IAT Total', 'Fwd IAT Mean', 'Fwd IAT Std', 'Fwd IAT Max', 'Fwd IAT Min',
  'Bwd IAT Total', 'Bwd IAT Mean', 'Bwd IAT Std', 'Bwd IAT Max', 'Bwd IAT Min',
  'Fwd PSH Flags', 'Bwd PSH Flags', 'Fwd URG Flags', 'Bwd URG Flags', 'Fwd Header Length', 'Bwd Header Length',
  'Fwd Packets/s', 'Bwd Packets/s', 'Packet Length Min', 'Packet Length Max', 'Packet Length Mean',
  'Packet Length Std', 'Packet Length Variance', 'FIN Flag Count', 'SYN Flag Count', 'RST Flag Count',
  'PSH Flag Count', 'ACK Flag Count', 'URG Flag Count', 'CWR Flag Count', 'ECE Flag Count', 'Down/Up Ratio',
  'Average Packet Size', 'Fwd Segment Size Avg', 'Bwd Segment Size Avg', 'Fwd Bytes/Bulk Avg',
  'Fwd Packet/Bulk Avg', 'Fwd Bulk Rate Avg', 'Bwd Bytes/Bulk Avg', 'Bwd Packet/Bulk Avg', 'Bwd Bulk Rate Avg',
  'Subflow Fwd Packets', 'Subflow Fwd Bytes', 'Subflow Bwd Packets', 'Subflow Bwd Bytes', 'FWD Init Win Bytes',
  'Bwd Init Win Bytes', 'Fwd Act Data Pkts', 'Fwd Seg Size Min', 'Active Mean', 'Active Std', 'Active Max',
  'Active Min', 'Idle Mean', 'Idle Std', 'Idle Max', 'Idle Min', 'Label',
] as const;

/** Index of the first numeric feature column ("Flow Duration") and of "Label". */
export const CIC_FIRST_FEATURE = 7;
export const CIC_LABEL = CIC_COLUMNS.length - 1;

/** wirewatch's columns after Label (snake_case, also the JSON keys). */
export const EXTRA_COLUMNS = [
  'flow_id', 'community_id', 'ip_version', 'app_proto', 'state', 'end_reason',
  'fwd_wire_bytes', 'bwd_wire_bytes', 'fwd_ip_bytes', 'bwd_ip_bytes',
  'tcp_history', 'tcp_synack_rtt_us', 'tcp_handshake_rtt_us',
  'fwd_retransmissions', 'bwd_retransmissions', 'fwd_out_of_order', 'bwd_out_of_order',
  'dns_query', 'tls_sni', 'ja3', 'ja3_hash', 'ja4', 'http_host', 'vlan', 'tunnel', 'tunnel_id',
] as const;

/** JSON key of a CIC column: lower case, non-alphanumerics to "_" ("Flow Bytes/s" → "flow_bytes_s"). */
export function snakeName(col: string): string {
  return col.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');
}

/** JSON keys of the numeric CIC features ("Flow Duration" … "Idle Min"), in column order. */
export const CIC_FEATURE_KEYS: readonly string[] = CIC_COLUMNS.slice(CIC_FIRST_FEATURE, CIC_LABEL).map(snakeName);

export const CSV_HEADER = [...CIC_COLUMNS, ...EXTRA_COLUMNS].join(',');
