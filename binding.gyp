{
  "targets": [
    {
      "target_name": "wirewatch_pcap",
      "sources": ["native/wirewatch_pcap.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=c11", "-D_DEFAULT_SOURCE"],
      "libraries": ["<!@(pcap-config --libs 2>/dev/null || echo -lpcap)"],
      "cflags_c": ["<!@(pcap-config --cflags 2>/dev/null || true)"]
    }
  ]
}
