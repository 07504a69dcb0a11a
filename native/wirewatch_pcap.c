/*
 * wirewatch_pcap: a small libpcap binding on plain Node-API (C).
 *
 * Packets reach JavaScript in batches: the capture handle copies every
 * packet libpcap hands over into one reusable buffer owned by JavaScript
 * (a records area) and calls the JS callback once per batch, never once per
 * packet. Capture runs on the main thread, driven by a libuv poll on
 * pcap_get_selectable_fd() with the handle in non-blocking mode, so the event
 * loop is never blocked and no locking is needed.
 *
 * Record layout (all fields native-endian uint32, records 4-byte aligned):
 *   [ts_sec, ts_frac, caplen, origlen] + caplen bytes + padding to 4
 * ts_frac is nanoseconds when the handle was opened with nanosecond
 * precision, else microseconds (datalink()/tsPrecision() tell which).
 */
#include <node_api.h>
#include <uv.h>
#include <pcap/pcap.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define REC_HDR 16u
#define MAX_DISPATCH_ROUNDS 64

#define CHECK(call)                                                    \
  do {                                                                 \
    if ((call) != napi_ok) {                                           \
      napi_throw_error(env, NULL, "wirewatch_pcap: " #call " failed"); \
      return NULL;                                                     \
    }                                                                  \
  } while (0)

typedef struct capture {
  napi_env env;
  pcap_t *pcap;
  uv_poll_t *poll;          /* allocated separately: freed in its close callback */
  napi_ref self_ref;        /* strong while capturing, so the object outlives the poll */
  napi_ref buf_ref;
  napi_ref batch_cb_ref;
  napi_ref error_cb_ref;
  napi_async_context async_ctx;
  uint8_t *buf;
  size_t buf_len;
  size_t used;
  uint32_t count;
  int snaplen;
  int nanosecond;
  int capturing;            /* start() called and not yet stopped */
  int in_dispatch;          /* inside the poll callback: close must be deferred */
  int close_requested;
  int closed;
  int stop_batches;         /* set when JS stopped/closed during a flush: drop the rest */
} capture_t;

/* ---------- small helpers ---------- */

static napi_value make_error(napi_env env, const char *code, const char *msg) {
  napi_value c = NULL, m, err;
  if (code != NULL) napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &c);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &m);
  napi_create_error(env, c, m, &err);
  return err;
}

static void throw_code(napi_env env, const char *code, const char *msg) {
  napi_throw(env, make_error(env, code, msg));
}

static void set_str(napi_env env, napi_value obj, const char *key, const char *val) {
  napi_value v;
  if (val == NULL) napi_get_null(env, &v);
  else napi_create_string_utf8(env, val, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, key, v);
}

static void set_num(napi_env env, napi_value obj, const char *key, double val) {
  napi_value v;
  napi_create_double(env, val, &v);
  napi_set_named_property(env, obj, key, v);
}

static void set_bool(napi_env env, napi_value obj, const char *key, int val) {
  napi_value v;
  napi_get_boolean(env, val != 0, &v);
  napi_set_named_property(env, obj, key, v);
}

/* Reads a string argument into a malloc'ed buffer (caller frees). */
static char *get_string(napi_env env, napi_value v, const char *what) {
  size_t len;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s must be a string", what);
    napi_throw_type_error(env, NULL, msg);
    return NULL;
  }
  char *s = malloc(len + 1);
  if (s == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  return s;
}

/* Optional numeric/boolean option from an options object; returns dflt when absent. */
static double opt_num(napi_env env, napi_value obj, const char *key, double dflt) {
  bool has = false;
  napi_value v;
  napi_valuetype t;
  if (obj == NULL || napi_has_named_property(env, obj, key, &has) != napi_ok || !has) return dflt;
  napi_get_named_property(env, obj, key, &v);
  napi_typeof(env, v, &t);
  if (t == napi_number) {
    double d;
    napi_get_value_double(env, v, &d);
    return d;
  }
  if (t == napi_boolean) {
    bool b;
    napi_get_value_bool(env, v, &b);
    return b ? 1 : 0;
  }
  return dflt;
}

static napi_value sockaddr_value(napi_env env, const struct sockaddr *sa) {
  napi_value v;
  char text[INET6_ADDRSTRLEN];
  if (sa == NULL) {
    napi_get_null(env, &v);
    return v;
  }
  const char *ok = NULL;
  if (sa->sa_family == AF_INET)
    ok = inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, text, sizeof text);
  else if (sa->sa_family == AF_INET6)
    ok = inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, text, sizeof text);
  if (ok == NULL) napi_get_null(env, &v);
  else napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &v);
  return v;
}

/* ---------- listInterfaces() ---------- */

static napi_value list_interfaces(napi_env env, napi_callback_info info) {
  (void)info;
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_if_t *all = NULL;
  if (pcap_findalldevs(&all, errbuf) != 0) {
    throw_code(env, "EPCAP", errbuf);
    return NULL;
  }
  napi_value arr;
  CHECK(napi_create_array(env, &arr));
  uint32_t i = 0;
  for (pcap_if_t *d = all; d != NULL; d = d->next) {
    napi_value o, addrs;
    napi_create_object(env, &o);
    set_str(env, o, "name", d->name);
    set_str(env, o, "description", d->description);
    set_bool(env, o, "up", d->flags & PCAP_IF_UP);
    set_bool(env, o, "running", d->flags & PCAP_IF_RUNNING);
    set_bool(env, o, "loopback", d->flags & PCAP_IF_LOOPBACK);
    set_bool(env, o, "wireless", d->flags & PCAP_IF_WIRELESS);
    const char *status = "unknown";
    switch (d->flags & PCAP_IF_CONNECTION_STATUS) {
      case PCAP_IF_CONNECTION_STATUS_CONNECTED: status = "connected"; break;
      case PCAP_IF_CONNECTION_STATUS_DISCONNECTED: status = "disconnected"; break;
      case PCAP_IF_CONNECTION_STATUS_NOT_APPLICABLE: status = "not-applicable"; break;
      default: break;
    }
    set_str(env, o, "connection", status);
    napi_create_array(env, &addrs);
    uint32_t j = 0;
    for (pcap_addr_t *a = d->addresses; a != NULL; a = a->next) {
      if (a->addr == NULL || (a->addr->sa_family != AF_INET && a->addr->sa_family != AF_INET6)) continue;
      napi_value ao;
      napi_create_object(env, &ao);
      set_str(env, ao, "family", a->addr->sa_family == AF_INET ? "IPv4" : "IPv6");
      napi_set_named_property(env, ao, "address", sockaddr_value(env, a->addr));
      napi_set_named_property(env, ao, "netmask", sockaddr_value(env, a->netmask));
      napi_set_named_property(env, ao, "broadcast", sockaddr_value(env, a->broadaddr));
      napi_set_named_property(env, ao, "destination", sockaddr_value(env, a->dstaddr));
      napi_set_element(env, addrs, j++, ao);
    }
    napi_set_named_property(env, o, "addresses", addrs);
    napi_set_element(env, arr, i++, o);
  }
  pcap_freealldevs(all);
  return arr;
}

/* ---------- compileFilter(expr, linkType, snaplen, swapped) ---------- */

/*
 * Opens an empty in-memory savefile with this LINKTYPE, snaplen and byte
 * order. Compiling on a savefile handle (not pcap_open_dead) makes libpcap
 * generate exactly the code tcpdump -r does: LINKTYPE→DLT mapping, and for
 * DLT_NULL/LOOP every BSD AF_INET6 value in the file's byte order rather
 * than this host's.
 */
static pcap_t *open_empty_savefile(uint32_t linktype, uint32_t snaplen, int swapped, char *errbuf) {
  uint8_t hdr[24];
  uint32_t w[6] = {0xa1b2c3d4u, 2u | (4u << 16), 0, 0, snaplen, linktype};
  memcpy(hdr, w, sizeof hdr);
  if (swapped) {
    /* Writer of the opposite byte order: every 32-bit field reversed, the two 16-bit version fields too. */
    for (int i = 0; i < 6; i++) {
      uint8_t *b = hdr + i * 4, t0 = b[0], t1 = b[1];
      if (i == 1) {
        b[0] = t1; b[1] = t0; t0 = b[2]; b[2] = b[3]; b[3] = t0;
      } else {
        b[0] = b[3]; b[1] = b[2]; b[2] = t1; b[3] = t0;
      }
    }
  }
  FILE *f = fmemopen(NULL, sizeof hdr, "w+");
  if (f == NULL) {
    snprintf(errbuf, PCAP_ERRBUF_SIZE, "fmemopen failed");
    return NULL;
  }
  fwrite(hdr, 1, sizeof hdr, f);
  rewind(f);
  pcap_t *p = pcap_fopen_offline(f, errbuf);
  if (p == NULL) fclose(f);
  return p;
}

static napi_value compile_filter(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) {
    napi_throw_type_error(env, NULL, "compileFilter(expr, linkType, snaplen, swapped?)");
    return NULL;
  }
  uint32_t linktype, snaplen;
  bool swapped = false;
  if (napi_get_value_uint32(env, argv[1], &linktype) != napi_ok ||
      napi_get_value_uint32(env, argv[2], &snaplen) != napi_ok) {
    napi_throw_type_error(env, NULL, "compileFilter: linkType and snaplen must be numbers");
    return NULL;
  }
  if (argc >= 4) napi_get_value_bool(env, argv[3], &swapped);
  char *expr = get_string(env, argv[0], "filter expression");
  if (expr == NULL) return NULL;
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t *p = open_empty_savefile(linktype, snaplen > 0 ? snaplen : 262144, swapped, errbuf);
  if (p == NULL) {
    free(expr);
    throw_code(env, "EFILTER", errbuf);
    return NULL;
  }
  struct bpf_program prog;
  if (pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
    char msg[PCAP_ERRBUF_SIZE + 64];
    snprintf(msg, sizeof msg, "%s", pcap_geterr(p));
    pcap_close(p);
    free(expr);
    throw_code(env, "EFILTER", msg);
    return NULL;
  }
  free(expr);
  napi_value ab, out;
  void *data;
  size_t n = prog.bf_len;
  if (napi_create_arraybuffer(env, n * 16, &data, &ab) != napi_ok) {
    pcap_freecode(&prog);
    pcap_close(p);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  uint32_t *w = data;
  for (size_t i = 0; i < n; i++) {
    w[i * 4] = prog.bf_insns[i].code;
    w[i * 4 + 1] = prog.bf_insns[i].jt;
    w[i * 4 + 2] = prog.bf_insns[i].jf;
    w[i * 4 + 3] = prog.bf_insns[i].k;
  }
  pcap_freecode(&prog);
  pcap_close(p);
  CHECK(napi_create_typedarray(env, napi_uint32_array, n * 4, ab, 0, &out));
  return out;
}

/* ---------- capture handle ---------- */

static void poll_closed(uv_handle_t *h) { free(h); }

static void release_refs(capture_t *c) {
  napi_env env = c->env;
  if (c->buf_ref != NULL) { napi_delete_reference(env, c->buf_ref); c->buf_ref = NULL; }
  if (c->batch_cb_ref != NULL) { napi_delete_reference(env, c->batch_cb_ref); c->batch_cb_ref = NULL; }
  if (c->error_cb_ref != NULL) { napi_delete_reference(env, c->error_cb_ref); c->error_cb_ref = NULL; }
  if (c->async_ctx != NULL) { napi_async_destroy(env, c->async_ctx); c->async_ctx = NULL; }
  c->buf = NULL;
  c->buf_len = 0;
}

/* Stops polling (the poll handle closes asynchronously) and lets the object be collected. */
static void stop_polling(capture_t *c) {
  if (c->poll != NULL) {
    uv_poll_stop(c->poll);
    uv_close((uv_handle_t *)c->poll, poll_closed);
    c->poll = NULL;
  }
  if (c->capturing) {
    c->capturing = 0;
    uint32_t rc;
    napi_reference_unref(c->env, c->self_ref, &rc);
  }
}

static void do_close(capture_t *c) {
  stop_polling(c);
  release_refs(c);
  if (c->pcap != NULL) {
    pcap_close(c->pcap);
    c->pcap = NULL;
  }
  c->closed = 1;
}

/* Hands the filled part of the batch buffer to JavaScript: onBatch(count, bytesUsed). */
static void flush(capture_t *c) {
  if (c->count == 0) return;
  napi_env env = c->env;
  napi_value cb, recv, argv[2], result;
  uint32_t count = c->count;
  size_t used = c->used;
  c->count = 0;
  c->used = 0;
  if (napi_get_reference_value(env, c->batch_cb_ref, &cb) != napi_ok || cb == NULL) return;
  napi_get_undefined(env, &recv);
  napi_create_uint32(env, count, &argv[0]);
  napi_create_double(env, (double)used, &argv[1]);
  if (napi_call_function(env, recv, cb, 2, argv, &result) == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    c->stop_batches = 1;
    c->close_requested = 1;
    napi_fatal_exception(env, err);
  }
}

static void report_error(capture_t *c, const char *msg) {
  napi_env env = c->env;
  napi_value cb = NULL, recv, arg, result;
  if (c->error_cb_ref != NULL) napi_get_reference_value(env, c->error_cb_ref, &cb);
  arg = make_error(env, "EPCAP", msg);
  if (cb == NULL) {
    napi_fatal_exception(env, arg);
    return;
  }
  napi_get_undefined(env, &recv);
  if (napi_call_function(env, recv, cb, 1, &arg, &result) == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err);
  }
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes) {
  capture_t *c = (capture_t *)user;
  if (c->stop_batches) {
    pcap_breakloop(c->pcap);
    return;
  }
  uint32_t caplen = h->caplen;
  if (REC_HDR + caplen > c->buf_len) caplen = (uint32_t)(c->buf_len - REC_HDR);
  size_t need = REC_HDR + ((caplen + 3u) & ~3u);
  if (c->used + need > c->buf_len) {
    flush(c);
    if (c->stop_batches || !c->capturing || c->close_requested) {
      pcap_breakloop(c->pcap);
      return;
    }
  }
  uint8_t *p = c->buf + c->used;
  uint32_t hdr[4] = {(uint32_t)h->ts.tv_sec, (uint32_t)h->ts.tv_usec, caplen, h->len};
  memcpy(p, hdr, REC_HDR);
  memcpy(p + REC_HDR, bytes, caplen);
  c->used += need;
  c->count++;
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  capture_t *c = handle->data;
  napi_env env = c->env;
  napi_handle_scope scope;
  napi_callback_scope cscope;
  napi_value resource;
  napi_open_handle_scope(env, &scope);
  /* One callback scope per wake-up: microtasks and nextTicks run once when it closes. */
  napi_get_reference_value(env, c->self_ref, &resource);
  napi_open_callback_scope(env, resource, c->async_ctx, &cscope);
  c->in_dispatch = 1;
  if (status < 0) {
    report_error(c, uv_strerror(status));
  } else {
    for (int round = 0; round < MAX_DISPATCH_ROUNDS && c->capturing && !c->stop_batches; round++) {
      int n = pcap_dispatch(c->pcap, -1, on_packet, (u_char *)c);
      if (n == PCAP_ERROR) {
        char msg[PCAP_ERRBUF_SIZE];
        snprintf(msg, sizeof msg, "%s", pcap_geterr(c->pcap));
        flush(c);
        report_error(c, msg);
        break;
      }
      if (n <= 0) break;
    }
    if (!c->stop_batches && c->capturing) flush(c);
  }
  c->in_dispatch = 0;
  napi_close_callback_scope(env, cscope);
  if (c->close_requested && !c->closed) do_close(c);
  else if (c->stop_batches) {
    stop_polling(c);
    release_refs(c);
    c->count = 0;
    c->used = 0;
  }
  napi_close_handle_scope(env, scope);
}

static void capture_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  capture_t *c = data;
  if (!c->closed) do_close(c);
  if (c->self_ref != NULL) napi_delete_reference(env, c->self_ref);
  free(c);
}

static capture_t *unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  void *data;
  if (napi_get_cb_info(env, info, argc, argv, &self, NULL) != napi_ok ||
      napi_unwrap(env, self, &data) != napi_ok) {
    napi_throw_type_error(env, NULL, "not a capture handle");
    return NULL;
  }
  return data;
}

static capture_t *unwrap_open(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  capture_t *c = unwrap(env, info, argc, argv);
  if (c != NULL && (c->closed || c->close_requested)) {
    throw_code(env, "ECLOSED", "capture handle is closed");
    return NULL;
  }
  return c;
}

static napi_value m_set_filter(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  capture_t *c = unwrap_open(env, info, &argc, argv);
  if (c == NULL) return NULL;
  if (argc < 1) {
    napi_throw_type_error(env, NULL, "setFilter(expr)");
    return NULL;
  }
  char *expr = get_string(env, argv[0], "filter expression");
  if (expr == NULL) return NULL;
  struct bpf_program prog;
  if (pcap_compile(c->pcap, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
    char msg[PCAP_ERRBUF_SIZE + 8];
    snprintf(msg, sizeof msg, "%s", pcap_geterr(c->pcap));
    free(expr);
    throw_code(env, "EFILTER", msg);
    return NULL;
  }
  free(expr);
  int rc = pcap_setfilter(c->pcap, &prog);
  pcap_freecode(&prog);
  if (rc != 0) {
    throw_code(env, "EFILTER", pcap_geterr(c->pcap));
    return NULL;
  }
  return NULL;
}

/* start(buffer, onBatch(count, bytes), onError(err)) */
static napi_value m_start(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], self;
  capture_t *c = unwrap_open(env, info, &argc, argv);
  if (c == NULL) return NULL;
  napi_get_cb_info(env, info, &argc, argv, &self, NULL);
  if (c->capturing) {
    throw_code(env, "EBUSY", "capture already started");
    return NULL;
  }
  if (argc < 2) {
    napi_throw_type_error(env, NULL, "start(buffer, onBatch, onError?)");
    return NULL;
  }
  void *data;
  size_t len;
  bool is_ta = false;
  napi_is_typedarray(env, argv[0], &is_ta);
  if (is_ta) {
    napi_typedarray_type t;
    size_t length, off;
    napi_value ab;
    napi_get_typedarray_info(env, argv[0], &t, &length, &data, &ab, &off);
    size_t elsize = (t == napi_uint32_array || t == napi_int32_array || t == napi_float32_array) ? 4
                    : (t == napi_uint16_array || t == napi_int16_array) ? 2
                    : (t == napi_float64_array || t == napi_bigint64_array || t == napi_biguint64_array) ? 8
                    : 1;
    len = length * elsize;
  } else if (napi_get_arraybuffer_info(env, argv[0], &data, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "start: buffer must be an ArrayBuffer or typed array");
    return NULL;
  }
  if (((uintptr_t)data & 3u) != 0) {
    napi_throw_type_error(env, NULL, "start: buffer must be 4-byte aligned");
    return NULL;
  }
  if (len < REC_HDR + 64) {
    napi_throw_range_error(env, NULL, "start: batch buffer too small");
    return NULL;
  }
  napi_valuetype t;
  napi_typeof(env, argv[1], &t);
  if (t != napi_function) {
    napi_throw_type_error(env, NULL, "start: onBatch must be a function");
    return NULL;
  }
  int fd = pcap_get_selectable_fd(c->pcap);
  if (fd < 0) {
    throw_code(env, "EPCAP", "this capture handle has no selectable file descriptor");
    return NULL;
  }
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  c->poll = malloc(sizeof(uv_poll_t));
  if (c->poll == NULL || uv_poll_init(loop, c->poll, fd) != 0) {
    free(c->poll);
    c->poll = NULL;
    throw_code(env, "EPCAP", "uv_poll_init failed");
    return NULL;
  }
  c->poll->data = c;
  napi_create_reference(env, argv[0], 1, &c->buf_ref);
  napi_create_reference(env, argv[1], 1, &c->batch_cb_ref);
  if (argc >= 3) {
    napi_typeof(env, argv[2], &t);
    if (t == napi_function) napi_create_reference(env, argv[2], 1, &c->error_cb_ref);
  }
  napi_value name;
  napi_create_string_utf8(env, "wirewatch:capture", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, self, name, &c->async_ctx);
  c->buf = data;
  c->buf_len = len & ~(size_t)3;
  c->used = 0;
  c->count = 0;
  c->stop_batches = 0;
  c->capturing = 1;
  uint32_t rc;
  napi_reference_ref(env, c->self_ref, &rc);
  uv_poll_start(c->poll, UV_READABLE, on_readable);
  return NULL;
}

/* stop(): no more batches; packets already copied but not yet delivered are dropped. */
static napi_value m_stop(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  capture_t *c = unwrap(env, info, &argc, NULL);
  if (c == NULL) return NULL;
  if (c->in_dispatch) c->stop_batches = 1;
  else {
    stop_polling(c);
    release_refs(c);
  }
  return NULL;
}

static napi_value m_stats(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  capture_t *c = unwrap_open(env, info, &argc, NULL);
  if (c == NULL) return NULL;
  struct pcap_stat st;
  if (pcap_stats(c->pcap, &st) != 0) {
    throw_code(env, "EPCAP", pcap_geterr(c->pcap));
    return NULL;
  }
  napi_value o;
  napi_create_object(env, &o);
  set_num(env, o, "received", st.ps_recv);
  set_num(env, o, "dropped", st.ps_drop);
  set_num(env, o, "ifDropped", st.ps_ifdrop);
  return o;
}

static napi_value m_datalink(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  capture_t *c = unwrap_open(env, info, &argc, NULL);
  if (c == NULL) return NULL;
  napi_value v;
  napi_create_int32(env, pcap_datalink(c->pcap), &v);
  return v;
}

static napi_value m_close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  capture_t *c = unwrap(env, info, &argc, NULL);
  if (c == NULL || c->closed) return NULL;
  if (c->in_dispatch) {
    c->close_requested = 1;
    c->stop_batches = 1;
  } else {
    do_close(c);
  }
  return NULL;
}

/* open(name, {snaplen, promisc, immediate, bufferSize, nanosecond, timeoutMs}) */
static napi_value open_live(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) {
    napi_throw_type_error(env, NULL, "open(name, options?)");
    return NULL;
  }
  char *name = get_string(env, argv[0], "interface name");
  if (name == NULL) return NULL;
  napi_value opts = argc >= 2 ? argv[1] : NULL;
  if (opts != NULL) {
    napi_valuetype t;
    napi_typeof(env, opts, &t);
    if (t != napi_object) opts = NULL;
  }
  int snaplen = (int)opt_num(env, opts, "snaplen", 262144);
  int promisc = (int)opt_num(env, opts, "promisc", 1);
  int immediate = (int)opt_num(env, opts, "immediate", 0);
  double buffer_size = opt_num(env, opts, "bufferSize", 0);
  int nanosecond = (int)opt_num(env, opts, "nanosecond", 1);
  int timeout_ms = (int)opt_num(env, opts, "timeoutMs", 100);

  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t *p = pcap_create(name, errbuf);
  if (p == NULL) {
    free(name);
    throw_code(env, "EPCAP", errbuf);
    return NULL;
  }
  pcap_set_snaplen(p, snaplen);
  pcap_set_promisc(p, promisc);
  pcap_set_timeout(p, timeout_ms);
  if (immediate) pcap_set_immediate_mode(p, 1);
  if (buffer_size > 0) pcap_set_buffer_size(p, (int)buffer_size);
  int got_nano = 0;
  if (nanosecond && pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO) == 0) got_nano = 1;
  int rc = pcap_activate(p);
  if (rc < 0) {
    const char *code = "EPCAP";
    if (rc == PCAP_ERROR_PERM_DENIED || rc == PCAP_ERROR_PROMISC_PERM_DENIED) code = "EPERM";
    else if (rc == PCAP_ERROR_NO_SUCH_DEVICE) code = "ENODEV";
    else if (rc == PCAP_ERROR_IFACE_NOT_UP) code = "EIFDOWN";
    char msg[PCAP_ERRBUF_SIZE + 300];
    const char *status = pcap_statustostr(rc);
    const char *detail = pcap_geterr(p);
    /* libpcap often repeats the status text as the detail; print it once. */
    if (detail == NULL || detail[0] == '\0' || strcmp(detail, status) == 0) detail = NULL;
    snprintf(msg, sizeof msg, "%s: %s%s%s", name, status, detail != NULL ? ": " : "", detail != NULL ? detail : "");
    pcap_close(p);
    free(name);
    throw_code(env, code, msg);
    return NULL;
  }
  free(name);
  if (pcap_setnonblock(p, 1, errbuf) != 0) {
    pcap_close(p);
    throw_code(env, "EPCAP", errbuf);
    return NULL;
  }
  capture_t *c = calloc(1, sizeof *c);
  if (c == NULL) {
    pcap_close(p);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  c->env = env;
  c->pcap = p;
  c->snaplen = pcap_snapshot(p);
  c->nanosecond = got_nano && pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;

  napi_value obj;
  napi_property_descriptor methods[] = {
      {"setFilter", NULL, m_set_filter, NULL, NULL, NULL, napi_default, NULL},
      {"start", NULL, m_start, NULL, NULL, NULL, napi_default, NULL},
      {"stop", NULL, m_stop, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, m_stats, NULL, NULL, NULL, napi_default, NULL},
      {"datalink", NULL, m_datalink, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, m_close, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_create_object(env, &obj);
  napi_define_properties(env, obj, sizeof methods / sizeof methods[0], methods);
  set_num(env, obj, "snaplen", c->snaplen);
  set_bool(env, obj, "nanosecond", c->nanosecond);
  if (rc > 0) set_str(env, obj, "warning", pcap_statustostr(rc));
  if (napi_wrap(env, obj, c, capture_finalize, NULL, NULL) != napi_ok) {
    pcap_close(p);
    free(c);
    napi_throw_error(env, NULL, "napi_wrap failed");
    return NULL;
  }
  napi_create_reference(env, obj, 0, &c->self_ref);
  return obj;
}


/* ---------- runFilter(insns, data, wirelen): libpcap's own bpf_filter, the reference for the TS interpreter ---------- */

static napi_value run_filter(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) {
    napi_throw_type_error(env, NULL, "runFilter(insns, data, wirelen)");
    return NULL;
  }
  napi_typedarray_type t1, t2;
  size_t n1, n2, off;
  void *d1, *d2;
  napi_value ab;
  uint32_t wirelen;
  if (napi_get_typedarray_info(env, argv[0], &t1, &n1, &d1, &ab, &off) != napi_ok || t1 != napi_uint32_array ||
      napi_get_typedarray_info(env, argv[1], &t2, &n2, &d2, &ab, &off) != napi_ok || t2 != napi_uint8_array ||
      napi_get_value_uint32(env, argv[2], &wirelen) != napi_ok || n1 % 4 != 0) {
    napi_throw_type_error(env, NULL, "runFilter(insns: Uint32Array, data: Uint8Array, wirelen: number)");
    return NULL;
  }
  size_t n = n1 / 4;
  struct bpf_insn *prog = calloc(n > 0 ? n : 1, sizeof *prog);
  if (prog == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  const uint32_t *w = d1;
  for (size_t i = 0; i < n; i++) {
    prog[i].code = (u_short)w[i * 4];
    prog[i].jt = (u_char)w[i * 4 + 1];
    prog[i].jf = (u_char)w[i * 4 + 2];
    prog[i].k = w[i * 4 + 3];
  }
  napi_value v;
  if (!bpf_validate(prog, (int)n)) {
    free(prog);
    napi_get_null(env, &v);
    return v;
  }
  u_int r = bpf_filter(prog, d2 != NULL ? d2 : (const u_char *)"", wirelen, (u_int)n2);
  free(prog);
  napi_create_uint32(env, r, &v);
  return v;
}

static napi_value lib_version(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  napi_create_string_utf8(env, pcap_lib_version(), NAPI_AUTO_LENGTH, &v);
  return v;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor fns[] = {
      {"listInterfaces", NULL, list_interfaces, NULL, NULL, NULL, napi_default, NULL},
      {"open", NULL, open_live, NULL, NULL, NULL, napi_default, NULL},
      {"compileFilter", NULL, compile_filter, NULL, NULL, NULL, napi_default, NULL},
      {"runFilter", NULL, run_filter, NULL, NULL, NULL, napi_default, NULL},
      {"libVersion", NULL, lib_version, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
