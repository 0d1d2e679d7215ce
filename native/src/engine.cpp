// The C ABI front: argument checking, error reporting, sequence position, chunked prefill
// and sampling. Numerical work is delegated to a Backend.
#include <algorithm>
#include <cstdlib>
#include <numeric>
#include <thread>

#include "internal.h"

using namespace olmo;

struct olmo_engine {
    Config cfg;
    std::unique_ptr<Backend> be;
    int32_t backend_kind = OLMO_BACKEND_CPU;
    std::string desc;
    int max_seq = 0, chunk = 512, slots = 1, max_batch = 1;
    int pass = 512;                      // most tokens in one olmo_batch_prefill pass (>= chunk)
    std::vector<int32_t> pos;            // tokens in each slot
    std::vector<uint8_t> have_logits;    // per slot
    std::vector<int32_t> bpos;           // olmo_batch_decode scratch: positions of the step's rows
    std::vector<uint8_t> seen;           // olmo_batch_decode scratch: slot listed already
    olmo_sampling samp{};
    uint64_t rng = 0;
    std::vector<float> scratch;
    std::vector<int32_t> order;
};

namespace {
thread_local std::string g_last_error;

olmo_status set_error(olmo_status s, const std::string &m) {
    g_last_error = m;
    return s;
}

// Runs f, turning exceptions into a status and the thread-local message.
template <class F> olmo_status guarded(F &&f) {
    try {
        g_last_error.clear();
        f();
        return OLMO_OK;
    } catch (const Error &e) {
        return set_error(e.status, e.what());
    } catch (const std::bad_alloc &) {
        return set_error(OLMO_ERR_OUT_OF_MEMORY, "host allocation failed");
    } catch (const std::exception &e) {
        return set_error(OLMO_ERR_INTERNAL, e.what());
    }
}

uint64_t splitmix64(uint64_t &s) {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

int32_t sample(olmo_engine *e) {
    const int V = e->cfg.vocab;
    e->scratch.resize(V);
    e->be->copy_logits(0, e->scratch.data());
    float *l = e->scratch.data();
    const float invt = 1.f / e->samp.temperature;
    auto &ord = e->order;
    ord.resize(V);
    std::iota(ord.begin(), ord.end(), 0);
    int k = (e->samp.top_k > 0 && e->samp.top_k < V) ? e->samp.top_k : V;
    auto cmp = [&](int32_t a, int32_t b) { return l[a] > l[b] || (l[a] == l[b] && a < b); };
    std::partial_sort(ord.begin(), ord.begin() + k, ord.end(), cmp);
    const float mx = l[ord[0]];
    std::vector<double> p(k);
    double sum = 0;
    for (int i = 0; i < k; ++i) sum += (p[i] = std::exp(double((l[ord[i]] - mx) * invt)));
    int keep = k;
    if (e->samp.top_p > 0.f && e->samp.top_p < 1.f) {
        double c = 0;
        for (int i = 0; i < k; ++i) {
            c += p[i] / sum;
            if (c >= e->samp.top_p) { keep = i + 1; break; }
        }
    }
    double tot = 0;
    for (int i = 0; i < keep; ++i) tot += p[i];
    double r = double(splitmix64(e->rng) >> 11) * (1.0 / 9007199254740992.0) * tot;
    for (int i = 0; i < keep; ++i) {
        r -= p[i];
        if (r < 0) return ord[i];
    }
    return ord[keep - 1];
}

int32_t next_token(olmo_engine *e, int32_t greedy) {
    if (e->samp.temperature <= 0.f) return greedy;
    return sample(e);
}

void check_slot(const olmo_engine *e, int32_t slot) {
    if (slot < 0 || slot >= e->slots)
        fail(OLMO_ERR_BAD_SLOT, "slot " + std::to_string(slot) + " is outside [0, " + std::to_string(e->slots) + ")");
}

// Appends n tokens to a slot; returns the greedy token of the last one.
int32_t do_prefill(olmo_engine *e, int32_t slot, const int32_t *ids, int32_t n, float *all) {
    if (!e) fail(OLMO_ERR_INVALID_ARGUMENT, "engine is null");
    check_slot(e, slot);
    if (!ids || n < 1) fail(OLMO_ERR_INVALID_ARGUMENT, "prefill needs at least one token");
    int &pos = e->pos[slot];
    if (pos + n > e->max_seq)
        fail(OLMO_ERR_CONTEXT_FULL, "sequence of " + std::to_string(pos + n) + " tokens exceeds max_seq_len " +
                                        std::to_string(e->max_seq));
    for (int i = 0; i < n; ++i)
        if (ids[i] < 0 || ids[i] >= e->cfg.vocab)
            fail(OLMO_ERR_INVALID_ARGUMENT, "token id " + std::to_string(ids[i]) + " at index " + std::to_string(i) +
                                                " is outside the vocabulary");
    int32_t greedy = 0;
    for (int off = 0; off < n; off += e->chunk) {
        int m = std::min(e->chunk, n - off);
        e->have_logits[slot] = 0;
        greedy = e->be->prefill(slot, ids + off, m, pos, all ? all + size_t(off) * e->cfg.vocab : nullptr);
        pos += m;
        e->have_logits[slot] = 1;
    }
    return greedy;
}

// Tokens per olmo_batch_prefill pass: at least one chunk, and by default kPrefillPass (more rows per
// GEMM: the weights are read once per pass, and at 512 rows the narrow projections fill only half an
// H100's SMs), never more than a pass can hold (max_batch sequences of at most chunk tokens, all
// slots' capacity). OLMO_PREFILL_PASS replaces the default (A/B runs).
constexpr int kPrefillPass = 2048;
int prefill_pass(int chunk, int slots, int max_seq, int max_batch) {
    int64_t want = kPrefillPass;
    if (const char *v = std::getenv("OLMO_PREFILL_PASS")) {
        char *end = nullptr;
        const long n = std::strtol(v, &end, 10);
        if (end == v || *end || n < 1 || n > (1 << 20))
            fail(OLMO_ERR_INVALID_ARGUMENT, std::string("OLMO_PREFILL_PASS must be a token count, not '") + v + "'");
        want = n;
    }
    const int64_t cap = std::min<int64_t>(int64_t(slots) * max_seq, int64_t(max_batch) * chunk);
    return int(std::max<int64_t>(chunk, std::min<int64_t>(want, cap)));
}
}  // namespace

extern "C" {

int olmo_abi_version(void) { return OLMO_ENGINE_ABI_VERSION; }

uint32_t olmo_compiled_backends(void) {
#ifdef OLMO_WITH_CUDA
    return 3u;
#else
    return 1u;
#endif
}

const char *olmo_status_string(olmo_status s) {
    switch (s) {
        case OLMO_OK: return "ok";
        case OLMO_ERR_INVALID_ARGUMENT: return "invalid argument";
        case OLMO_ERR_IO: return "i/o error";
        case OLMO_ERR_FORMAT: return "format error";
        case OLMO_ERR_UNSUPPORTED: return "unsupported";
        case OLMO_ERR_OUT_OF_MEMORY: return "out of memory";
        case OLMO_ERR_CONTEXT_FULL: return "context full";
        case OLMO_ERR_STATE: return "bad state";
        case OLMO_ERR_NO_BACKEND: return "backend not available";
        case OLMO_ERR_CUDA: return "cuda error";
        case OLMO_ERR_INTERNAL: return "internal error";
        case OLMO_ERR_BAD_SLOT: return "bad slot";
    }
    return "unknown status";
}

const char *olmo_last_error(void) { return g_last_error.c_str(); }

void olmo_options_init(olmo_options *o) {
    if (!o) return;
    std::memset(o, 0, sizeof *o);
    o->struct_size = sizeof *o;
    o->backend = OLMO_BACKEND_AUTO;
}

static void create_common(olmo_engine *e, const Config &cfg, const TensorSource &src, const olmo_options *opt_in) {
    olmo_options opt;
    olmo_options_init(&opt);
    if (opt_in) {
        if (opt_in->struct_size < sizeof(uint32_t) * 2 || opt_in->struct_size > sizeof opt)
            fail(OLMO_ERR_INVALID_ARGUMENT, "olmo_options.struct_size is wrong (call olmo_options_init)");
        std::memcpy(&opt, opt_in, opt_in->struct_size);
    }
    e->cfg = cfg;
    e->max_seq = opt.max_seq_len > 0 ? opt.max_seq_len : std::min(cfg.max_pos, 4096);
    e->chunk = std::min(opt.prefill_chunk > 0 ? opt.prefill_chunk : 512, e->max_seq);
    if (opt.num_slots < 0 || opt.max_batch < 0)
        fail(OLMO_ERR_INVALID_ARGUMENT, "num_slots and max_batch must be >= 0");
    e->slots = opt.num_slots > 0 ? opt.num_slots : 1;
    e->max_batch = opt.max_batch > 0 ? std::min(opt.max_batch, e->slots) : e->slots;
    e->pass = prefill_pass(e->chunk, e->slots, e->max_seq, e->max_batch);
    e->pos.assign(e->slots, 0);
    e->have_logits.assign(e->slots, 0);
    e->seen.assign(e->slots, 0);
    e->bpos.resize(e->max_batch);
    int want = opt.backend;
    const bool automatic = want == OLMO_BACKEND_AUTO;
    if (automatic) {
#ifdef OLMO_WITH_CUDA
        want = cuda_device_available(opt.device) ? OLMO_BACKEND_CUDA : OLMO_BACKEND_CPU;
#else
        want = OLMO_BACKEND_CPU;
#endif
    }
    if (want == OLMO_BACKEND_CUDA) {
#ifdef OLMO_WITH_CUDA
        e->be = make_cuda_backend(opt.device, opt.flags);
#else
        fail(OLMO_ERR_NO_BACKEND, "this libolmo_engine was built without CUDA (configure with -DOLMO_CUDA=ON)");
#endif
    } else if (want == OLMO_BACKEND_CPU) {
        e->be = make_cpu_backend(opt.num_threads, opt.flags);
    } else {
        fail(OLMO_ERR_INVALID_ARGUMENT, "unknown backend " + std::to_string(want));
    }
    e->backend_kind = want;
    std::string declined;
    try {
        e->be->load(cfg, src, e->max_seq, e->chunk, e->pass, e->slots, e->max_batch);
    } catch (const Error &err) {
        // AUTO means "the best backend that can run this model": a shape the CUDA kernels do not
        // cover (e.g. head_dim 16) runs on the CPU instead, and the description says why.
        if (!automatic || want != OLMO_BACKEND_CUDA || err.status != OLMO_ERR_UNSUPPORTED) throw;
        declined = err.what();
        e->be = make_cpu_backend(opt.num_threads, opt.flags);
        e->backend_kind = OLMO_BACKEND_CPU;
        e->be->load(cfg, src, e->max_seq, e->chunk, e->pass, e->slots, e->max_batch);
    }
    e->desc = e->be->description() + (declined.empty() ? "" : "; CUDA declined: " + declined);
    if (e->pass > e->chunk) e->desc += "; batched prefill in passes of up to " + std::to_string(e->pass) + " tokens";
}

olmo_status olmo_engine_create(const char *dir, const olmo_options *opt, olmo_engine **out) {
    return guarded([&] {
        if (!dir || !out) fail(OLMO_ERR_INVALID_ARGUMENT, "snapshot_dir and out must not be null");
        *out = nullptr;
        std::string cfg_text;
        auto src = open_snapshot(dir, &cfg_text);
        Config cfg = parse_config_json(cfg_text);
        auto e = std::make_unique<olmo_engine>();
        create_common(e.get(), cfg, *src, opt);
        *out = e.release();
    });
}

olmo_status olmo_engine_create_from_weights(const olmo_config *c, const olmo_weight *w, int32_t n,
                                            const olmo_options *opt, olmo_engine **out) {
    return guarded([&] {
        if (!c || !w || n <= 0 || !out) fail(OLMO_ERR_INVALID_ARGUMENT, "config, weights and out must be given");
        *out = nullptr;
        Config cfg = Config::from_c(*c);
        auto src = wrap_buffers(w, n);
        auto e = std::make_unique<olmo_engine>();
        create_common(e.get(), cfg, *src, opt);
        *out = e.release();
    });
}

void olmo_engine_free(olmo_engine *e) {
    try {
        delete e;
    } catch (...) {
    }
}

olmo_status olmo_get_config(const olmo_engine *e, olmo_config *out) {
    return guarded([&] {
        if (!e || !out) fail(OLMO_ERR_INVALID_ARGUMENT, "null argument");
        *out = e->cfg.to_c();
    });
}

olmo_status olmo_cuda_code_info(int32_t device, int32_t *compute_capability, int32_t *binary_version,
                                int32_t *ptx_version) {
    return guarded([&] {
        if (!compute_capability || !binary_version || !ptx_version)
            fail(OLMO_ERR_INVALID_ARGUMENT, "null argument");
#ifdef OLMO_WITH_CUDA
        int cc = 0, bin = 0, ptx = 0;
        cuda_code_info(device, &cc, &bin, &ptx);
        *compute_capability = cc;
        *binary_version = bin;
        *ptx_version = ptx;
#else
        (void)device;
        fail(OLMO_ERR_NO_BACKEND, "this libolmo_engine was built without CUDA (configure with -DOLMO_CUDA=ON)");
#endif
    });
}

int32_t olmo_get_backend(const olmo_engine *e) { return e ? e->backend_kind : -1; }
const char *olmo_backend_description(const olmo_engine *e) { return e ? e->desc.c_str() : ""; }
int32_t olmo_position(const olmo_engine *e) { return e ? e->pos[0] : -1; }
int32_t olmo_max_seq_len(const olmo_engine *e) { return e ? e->max_seq : -1; }

olmo_status olmo_set_sampling(olmo_engine *e, const olmo_sampling *s) {
    return guarded([&] {
        if (!e || !s) fail(OLMO_ERR_INVALID_ARGUMENT, "null argument");
        if (s->struct_size != sizeof(olmo_sampling)) fail(OLMO_ERR_INVALID_ARGUMENT, "olmo_sampling.struct_size is wrong");
        if (s->top_k < 0 || !(s->top_p > 0.f) || s->top_p > 1.f)
            fail(OLMO_ERR_INVALID_ARGUMENT, "top_k must be >= 0 and top_p in (0, 1]");
        e->samp = *s;
        e->rng = s->seed;
    });
}

olmo_status olmo_prefill(olmo_engine *e, const int32_t *ids, int32_t n, int32_t *next) {
    return guarded([&] {
        const int32_t g = do_prefill(e, 0, ids, n, nullptr);
        if (next) *next = next_token(e, g);
    });
}

olmo_status olmo_prefill_all_logits(olmo_engine *e, const int32_t *ids, int32_t n, float *all, int32_t *next) {
    return guarded([&] {
        if (!all) fail(OLMO_ERR_INVALID_ARGUMENT, "all_logits must not be null");
        const int32_t g = do_prefill(e, 0, ids, n, all);
        if (next) *next = next_token(e, g);
    });
}

olmo_status olmo_decode(olmo_engine *e, int32_t token, int32_t *next) {
    return guarded([&] {
        if (!e) fail(OLMO_ERR_INVALID_ARGUMENT, "engine is null");
        if (token < 0 || token >= e->cfg.vocab)
            fail(OLMO_ERR_INVALID_ARGUMENT, "token id " + std::to_string(token) + " is outside the vocabulary");
        if (e->pos[0] + 1 > e->max_seq)
            fail(OLMO_ERR_CONTEXT_FULL, "sequence is full (max_seq_len " + std::to_string(e->max_seq) + ")");
        e->have_logits[0] = 0;
        const int32_t g = e->be->decode(token, e->pos[0]);
        e->pos[0] += 1;
        e->have_logits[0] = 1;
        if (next) *next = next_token(e, g);
    });
}

olmo_status olmo_get_logits(olmo_engine *e, float *out, int32_t n) {
    return guarded([&] {
        if (!e || !out) fail(OLMO_ERR_INVALID_ARGUMENT, "null argument");
        if (n < e->cfg.vocab) fail(OLMO_ERR_INVALID_ARGUMENT, "buffer holds " + std::to_string(n) + " floats, vocab is " + std::to_string(e->cfg.vocab));
        if (!e->have_logits[0]) fail(OLMO_ERR_STATE, "no logits yet: call olmo_prefill or olmo_decode first");
        e->be->copy_logits(0, out);
    });
}

olmo_status olmo_reset(olmo_engine *e) {
    return guarded([&] {
        if (!e) fail(OLMO_ERR_INVALID_ARGUMENT, "engine is null");
        e->pos[0] = 0;
        e->have_logits[0] = 0;
        e->rng = e->samp.seed;
    });
}

int32_t olmo_num_slots(const olmo_engine *e) { return e ? e->slots : -1; }
int32_t olmo_max_batch(const olmo_engine *e) { return e ? e->max_batch : -1; }
int32_t olmo_slot_position(const olmo_engine *e, int32_t slot) {
    return e && slot >= 0 && slot < e->slots ? e->pos[slot] : -1;
}

olmo_status olmo_slot_prefill(olmo_engine *e, int32_t slot, const int32_t *ids, int32_t n, int32_t *next) {
    return guarded([&] {
        const int32_t g = do_prefill(e, slot, ids, n, nullptr);
        if (next) *next = g;
    });
}

olmo_status olmo_batch_decode(olmo_engine *e, int32_t n, const int32_t *slots, const int32_t *tokens, int32_t *next) {
    return guarded([&] {
        if (!e) fail(OLMO_ERR_INVALID_ARGUMENT, "engine is null");
        if (!slots || !tokens) fail(OLMO_ERR_INVALID_ARGUMENT, "slots and tokens must not be null");
        if (n < 1 || n > e->max_batch)
            fail(OLMO_ERR_INVALID_ARGUMENT, "a decode step takes 1 to " + std::to_string(e->max_batch) +
                                                " slots (max_batch), not " + std::to_string(n));
        // Check everything before any work, so that a failed step changes nothing.
        std::string err;
        olmo_status st = OLMO_OK;
        for (int i = 0; i < n && st == OLMO_OK; ++i) {
            const int32_t s = slots[i];
            if (s < 0 || s >= e->slots) {
                st = OLMO_ERR_BAD_SLOT;
                err = "slots[" + std::to_string(i) + "] = " + std::to_string(s) + " is outside [0, " +
                      std::to_string(e->slots) + ")";
            } else if (e->seen[s]) {
                st = OLMO_ERR_BAD_SLOT;
                err = "slot " + std::to_string(s) + " is listed twice in one decode step";
            } else if (e->pos[s] == 0) {
                st = OLMO_ERR_STATE;
                err = "slot " + std::to_string(s) + " is empty: olmo_slot_prefill it first";
            } else if (e->pos[s] + 1 > e->max_seq) {
                st = OLMO_ERR_CONTEXT_FULL;
                err = "slot " + std::to_string(s) + " is full (max_seq_len " + std::to_string(e->max_seq) + ")";
            } else if (tokens[i] < 0 || tokens[i] >= e->cfg.vocab) {
                st = OLMO_ERR_INVALID_ARGUMENT;
                err = "tokens[" + std::to_string(i) + "] = " + std::to_string(tokens[i]) + " is outside the vocabulary";
            } else {
                e->seen[s] = 1;
            }
        }
        for (int i = 0; i < n; ++i)
            if (slots[i] >= 0 && slots[i] < e->slots) e->seen[slots[i]] = 0;
        if (st != OLMO_OK) fail(st, err);
        for (int i = 0; i < n; ++i) {
            e->bpos[i] = e->pos[slots[i]];
            e->have_logits[slots[i]] = 0;
        }
        e->be->decode_batch(n, slots, tokens, e->bpos.data(), next);
        for (int i = 0; i < n; ++i) {
            e->pos[slots[i]] += 1;
            e->have_logits[slots[i]] = 1;
        }
    });
}

olmo_status olmo_batch_prefill(olmo_engine *e, int32_t n, const int32_t *slots, const int32_t *lens, const int32_t *ids,
                               int32_t *next) {
    return guarded([&] {
        if (!e) fail(OLMO_ERR_INVALID_ARGUMENT, "engine is null");
        if (!slots || !lens || !ids) fail(OLMO_ERR_INVALID_ARGUMENT, "slots, lens and ids must not be null");
        if (n < 1 || n > e->max_batch)
            fail(OLMO_ERR_INVALID_ARGUMENT, "a batched prefill takes 1 to " + std::to_string(e->max_batch) +
                                                " slots (max_batch), not " + std::to_string(n));
        std::string err;
        olmo_status st = OLMO_OK;
        size_t total = 0;
        for (int i = 0; i < n && st == OLMO_OK; ++i) {
            const int32_t s = slots[i];
            if (s < 0 || s >= e->slots) {
                st = OLMO_ERR_BAD_SLOT;
                err = "slots[" + std::to_string(i) + "] = " + std::to_string(s) + " is outside [0, " +
                      std::to_string(e->slots) + ")";
            } else if (e->seen[s]) {
                st = OLMO_ERR_BAD_SLOT;
                err = "slot " + std::to_string(s) + " is listed twice in one prefill";
            } else if (lens[i] < 1) {
                st = OLMO_ERR_INVALID_ARGUMENT;
                err = "lens[" + std::to_string(i) + "] = " + std::to_string(lens[i]) + ": prefill needs at least one token";
            } else if (e->pos[s] + lens[i] > e->max_seq) {
                st = OLMO_ERR_CONTEXT_FULL;
                err = "slot " + std::to_string(s) + ": sequence of " + std::to_string(e->pos[s] + lens[i]) +
                      " tokens exceeds max_seq_len " + std::to_string(e->max_seq);
            } else {
                e->seen[s] = 1;
                for (int j = 0; j < lens[i] && st == OLMO_OK; ++j) {
                    const int32_t t = ids[total + j];
                    if (t < 0 || t >= e->cfg.vocab) {
                        st = OLMO_ERR_INVALID_ARGUMENT;
                        err = "token id " + std::to_string(t) + " of slot " + std::to_string(s) +
                              " is outside the vocabulary";
                    }
                }
                total += size_t(lens[i]);
            }
        }
        for (int i = 0; i < n; ++i)
            if (slots[i] >= 0 && slots[i] < e->slots) e->seen[slots[i]] = 0;
        if (st != OLMO_OK) fail(st, err);
        // Pack whole sequences into passes of at most `pass` tokens; one longer than `chunk` goes alone
        // (chunked).
        std::vector<int32_t> ps, pl, p0, pn;
        size_t off = 0;
        int i = 0;
        while (i < n) {
            if (lens[i] > e->chunk) {
                const int32_t g = do_prefill(e, slots[i], ids + off, lens[i], nullptr);
                if (next) next[i] = g;
                off += size_t(lens[i++]);
                continue;
            }
            ps.clear(); pl.clear(); p0.clear();
            const size_t first = off;
            const int i0 = i;
            int tokens = 0;
            while (i < n && lens[i] <= e->chunk && tokens + lens[i] <= e->pass) {
                ps.push_back(slots[i]);
                pl.push_back(lens[i]);
                p0.push_back(e->pos[slots[i]]);
                e->have_logits[slots[i]] = 0;
                tokens += lens[i];
                off += size_t(lens[i++]);
            }
            pn.assign(ps.size(), 0);
            e->be->prefill_many(int(ps.size()), ps.data(), pl.data(), p0.data(), ids + first, pn.data());
            for (size_t j = 0; j < ps.size(); ++j) {
                e->pos[ps[j]] += pl[j];
                e->have_logits[ps[j]] = 1;
                if (next) next[i0 + j] = pn[j];
            }
        }
    });
}

olmo_status olmo_slot_logits(olmo_engine *e, int32_t slot, float *out, int32_t n) {
    return guarded([&] {
        if (!e || !out) fail(OLMO_ERR_INVALID_ARGUMENT, "null argument");
        check_slot(e, slot);
        if (n < e->cfg.vocab) fail(OLMO_ERR_INVALID_ARGUMENT, "buffer holds " + std::to_string(n) + " floats, vocab is " + std::to_string(e->cfg.vocab));
        if (!e->have_logits[slot])
            fail(OLMO_ERR_STATE, "slot " + std::to_string(slot) + " has no logits yet: prefill or decode it first");
        e->be->copy_logits(slot, out);
    });
}

olmo_status olmo_slot_release(olmo_engine *e, int32_t slot) {
    return guarded([&] {
        if (!e) fail(OLMO_ERR_INVALID_ARGUMENT, "engine is null");
        check_slot(e, slot);
        e->pos[slot] = 0;
        e->have_logits[slot] = 0;
        if (slot == 0) e->rng = e->samp.seed;
    });
}

}  // extern "C"
