// Engine tests on a small random OLMo-2 (GQA, randomised norm weights).
//   olmo_test cpu   optimised CPU path vs a naive reference written here, invariants, errors,
//                   snapshot loading (sharded, mixed F32/F16/BF16) and sampling.
//   olmo_test cuda  CUDA backend vs CPU backend on the same weights (exit 77 = no GPU: skipped).
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "olmo_engine.h"

namespace {
int failures = 0;
#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            ++failures;                                                    \
            std::printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);    \
            std::printf(__VA_ARGS__);                                      \
            std::printf("\n");                                             \
        }                                                                  \
    } while (0)
#define OK(call)                                                                                     \
    do {                                                                                             \
        olmo_status s_ = (call);                                                                     \
        if (s_ != OLMO_OK) {                                                                         \
            std::printf("FAIL %s:%d: %s -> %s: %s\n", __FILE__, __LINE__, #call, olmo_status_string(s_), \
                        olmo_last_error());                                                          \
            std::exit(1);                                                                            \
        }                                                                                            \
    } while (0)

float bf(float f) {  // round to bf16 (nearest even)
    uint32_t u;
    std::memcpy(&u, &f, 4);
    u += 0x7fffu + ((u >> 16) & 1u);
    u &= 0xffff0000u;
    std::memcpy(&f, &u, 4);
    return f;
}

struct Model {
    olmo_config cfg{};
    std::map<std::string, std::vector<int64_t>> shape;
    std::map<std::string, std::vector<float>> w;  // values exactly representable in bf16 and f16
};

// Default shape: head_dim 64; make_model(seed, 64, 256, 16) is the engine's `tiny` preset shape.
Model make_model(uint64_t seed, int hidden = 256, int inter = 512, int head_dim = 64) {
    Model m;
    olmo_config &c = m.cfg;
    c.vocab_size = 1000; c.hidden_size = hidden; c.intermediate_size = inter; c.num_layers = 2;
    c.num_heads = 4; c.num_kv_heads = 2; c.head_dim = head_dim; c.max_position_embeddings = 4096;
    c.rope_theta = 500000.f; c.rms_norm_eps = 1e-6f; c.tie_word_embeddings = 0;
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> nd(0.f, 1.f);
    auto add = [&](const std::string &n, std::vector<int64_t> s, float mean, float sd) {
        size_t k = 1;
        for (auto d : s) k *= size_t(d);
        std::vector<float> v(k);
        for (auto &x : v) {
            x = bf(mean + sd * nd(rng));
            if (std::fabs(x) < 1e-3f) x = x < 0 ? -1e-3f : 1e-3f;  // keep f16-exact
            x = bf(x);
        }
        m.shape[n] = s;
        m.w[n] = std::move(v);
    };
    const int64_t H = c.hidden_size, Q = c.num_heads * c.head_dim, KV = c.num_kv_heads * c.head_dim,
                  I = c.intermediate_size, V = c.vocab_size;
    add("model.embed_tokens.weight", {V, H}, 0, 1.0f);
    add("lm_head.weight", {V, H}, 0, 0.06f);
    add("model.norm.weight", {H}, 1, 0.2f);
    for (int l = 0; l < c.num_layers; ++l) {
        std::string p = "model.layers." + std::to_string(l) + ".";
        add(p + "self_attn.q_proj.weight", {Q, H}, 0, 0.08f);
        add(p + "self_attn.k_proj.weight", {KV, H}, 0, 0.08f);
        add(p + "self_attn.v_proj.weight", {KV, H}, 0, 0.08f);
        add(p + "self_attn.o_proj.weight", {H, Q}, 0, 0.08f);
        add(p + "self_attn.q_norm.weight", {Q}, 1, 0.2f);
        add(p + "self_attn.k_norm.weight", {KV}, 1, 0.2f);
        add(p + "mlp.gate_proj.weight", {I, H}, 0, 0.08f);
        add(p + "mlp.up_proj.weight", {I, H}, 0, 0.08f);
        add(p + "mlp.down_proj.weight", {H, I}, 0, 0.06f);
        add(p + "post_attention_layernorm.weight", {H}, 1, 0.2f);
        add(p + "post_feedforward_layernorm.weight", {H}, 1, 0.2f);
    }
    return m;
}

std::vector<olmo_weight> as_weights(const Model &m) {
    std::vector<olmo_weight> ws;
    for (auto &kv : m.w) {
        olmo_weight w{};
        w.name = kv.first.c_str();
        w.dtype = OLMO_DTYPE_F32;
        auto &s = m.shape.at(kv.first);
        w.ndim = int(s.size());
        for (size_t i = 0; i < s.size(); ++i) w.shape[i] = s[i];
        w.data = kv.second.data();
        ws.push_back(w);
    }
    return ws;
}

// ---- naive reference: separate matrices, three-pass softmax, double accumulation ----
struct Ref {
    const Model &m;
    const olmo_config &c;
    std::vector<std::vector<float>> K, Vc;  // per layer: [pos][kv_dim]
    const bool r16;  // round to BF16 at transformers' BF16 module boundaries; false: FP32 run
    explicit Ref(const Model &mm, bool bf16_rounding = true)
        : m(mm), c(mm.cfg), K(c.num_layers), Vc(c.num_layers), r16(bf16_rounding) {}
    float R(float f) const { return r16 ? bf(f) : f; }
    const std::vector<float> &W(const std::string &n) const { return m.w.at(n); }
    std::vector<float> linear(const std::string &n, const std::vector<float> &x, bool round = true) const {
        const auto &w = W(n);
        size_t in = x.size(), out = w.size() / in;
        std::vector<float> y(out);
        for (size_t o = 0; o < out; ++o) {
            double s = 0;
            for (size_t i = 0; i < in; ++i) s += double(w[o * in + i]) * x[i];
            y[o] = round ? R(float(s)) : float(s);
        }
        return y;
    }
    std::vector<float> norm(const std::string &n, const std::vector<float> &x) const {
        double ss = 0;
        for (float v : x) ss += double(v) * v;
        double r = 1.0 / std::sqrt(ss / x.size() + c.rms_norm_eps);
        std::vector<float> y(x.size());
        for (size_t i = 0; i < x.size(); ++i) y[i] = R(float(W(n)[i] * (x[i] * r)));
        return y;
    }
    void rope(std::vector<float> &v, int pos) const {
        int D = c.head_dim;
        for (size_t h = 0; h < v.size() / D; ++h)
            for (int d = 0; d < D / 2; ++d) {
                float inv = 1.0f / std::pow(c.rope_theta, float(2 * d) / float(D));
                double a = double(float(pos) * inv);
                float x1 = v[h * D + d], x2 = v[h * D + d + D / 2];
                v[h * D + d] = R(float(x1 * std::cos(a) - x2 * std::sin(a)));
                v[h * D + d + D / 2] = R(float(x2 * std::cos(a) + x1 * std::sin(a)));
            }
    }
    std::vector<float> step(int tok) {  // appends one token, returns its logits
        const int H = c.hidden_size, D = c.head_dim, group = c.num_heads / c.num_kv_heads;
        std::vector<float> x(W("model.embed_tokens.weight").begin() + size_t(tok) * H,
                             W("model.embed_tokens.weight").begin() + size_t(tok + 1) * H);
        for (int l = 0; l < c.num_layers; ++l) {
            std::string p = "model.layers." + std::to_string(l) + ".";
            auto q = norm(p + "self_attn.q_norm.weight", linear(p + "self_attn.q_proj.weight", x));
            auto k = norm(p + "self_attn.k_norm.weight", linear(p + "self_attn.k_proj.weight", x));
            auto v = linear(p + "self_attn.v_proj.weight", x);
            int pos = int(K[l].size() / k.size());
            rope(q, pos);
            rope(k, pos);
            K[l].insert(K[l].end(), k.begin(), k.end());
            Vc[l].insert(Vc[l].end(), v.begin(), v.end());
            const int len = pos + 1, kvd = int(k.size());
            std::vector<float> att(q.size());
            for (int h = 0; h < c.num_heads; ++h) {
                int kh = h / group;
                std::vector<double> s(len);
                double mx = -1e300;
                for (int j = 0; j < len; ++j) {
                    double d = 0;
                    for (int e = 0; e < D; ++e) d += double(q[h * D + e]) * K[l][size_t(j) * kvd + kh * D + e];
                    s[j] = d / std::sqrt(double(D));
                    mx = std::max(mx, s[j]);
                }
                double sum = 0;
                for (auto &e : s) sum += (e = std::exp(e - mx));
                for (int e = 0; e < D; ++e) {
                    double o = 0;
                    for (int j = 0; j < len; ++j) o += s[j] / sum * Vc[l][size_t(j) * kvd + kh * D + e];
                    att[h * D + e] = R(float(o));
                }
            }
            auto a = norm(p + "post_attention_layernorm.weight", linear(p + "self_attn.o_proj.weight", att));
            for (int i = 0; i < H; ++i) x[i] = R(x[i] + a[i]);
            auto g = linear(p + "mlp.gate_proj.weight", x), u = linear(p + "mlp.up_proj.weight", x);
            for (size_t i = 0; i < g.size(); ++i) g[i] = R(R(float(g[i] / (1.0 + std::exp(-double(g[i]))))) * u[i]);
            auto d = norm(p + "post_feedforward_layernorm.weight", linear(p + "mlp.down_proj.weight", g));
            for (int i = 0; i < H; ++i) x[i] = R(x[i] + d[i]);
        }
        return linear("lm_head.weight", norm("model.norm.weight", x), false);
    }
};

double rel_err(const float *a, const float *b, size_t n) {
    double num = 0, den = 0;
    for (size_t i = 0; i < n; ++i) {
        if (!std::isfinite(a[i]) || !std::isfinite(b[i])) return INFINITY;
        num += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
        den += double(b[i]) * b[i];
    }
    return std::sqrt(num / den);
}
int argmax(const float *v, int n) {
    int b = 0;
    for (int i = 1; i < n; ++i)
        if (v[i] > v[b]) b = i;
    return b;
}

// ---- safetensors writer (for snapshot loading tests) ----
void write_safetensors(const std::string &path, const Model &m, const std::vector<std::string> &names, int dtype_cycle) {
    std::string hdr = "{\"__metadata__\":{\"format\":\"pt\"}";
    std::vector<char> data;
    int idx = 0;
    for (auto &n : names) {
        const auto &v = m.w.at(n);
        int dt = (idx++ + dtype_cycle) % 3;  // 0 F32, 1 F16, 2 BF16
        size_t begin = data.size();
        for (float f : v) {
            uint32_t u;
            std::memcpy(&u, &f, 4);
            if (dt == 0) data.insert(data.end(), reinterpret_cast<char *>(&u), reinterpret_cast<char *>(&u) + 4);
            else {
                uint16_t h;
                if (dt == 2) h = uint16_t(u >> 16);
                else {  // f32 -> f16 for values known to be exact normals
                    uint32_t s = (u >> 16) & 0x8000, e = (u >> 23) & 0xff, man = u & 0x7fffff;
                    h = uint16_t(s | ((e - 112) << 10) | (man >> 13));
                }
                data.push_back(char(h & 0xff));
                data.push_back(char(h >> 8));
            }
        }
        const char *ds = dt == 0 ? "F32" : dt == 1 ? "F16" : "BF16";
        std::string shp;
        for (auto d : m.shape.at(n)) shp += (shp.empty() ? "" : ",") + std::to_string(d);
        hdr += ",\"" + n + "\":{\"dtype\":\"" + ds + "\",\"shape\":[" + shp + "],\"data_offsets\":[" +
               std::to_string(begin) + "," + std::to_string(data.size()) + "]}";
    }
    hdr += "}";
    while (hdr.size() % 8) hdr += ' ';
    std::ofstream f(path, std::ios::binary);
    uint64_t n = hdr.size();
    f.write(reinterpret_cast<char *>(&n), 8);
    f.write(hdr.data(), hdr.size());
    f.write(data.data(), data.size());
}

std::string write_snapshot(const Model &m, bool sharded, std::string dir = "") {
    char tmpl[] = "/tmp/olmo_test_XXXXXX";
    if (dir.empty()) dir = mkdtemp(tmpl);
    const olmo_config &c = m.cfg;
    std::ofstream(dir + "/config.json")
        << "{\"architectures\":[\"Olmo2ForCausalLM\"],\"model_type\":\"olmo2\",\"vocab_size\":" << c.vocab_size
        << ",\"hidden_size\":" << c.hidden_size << ",\"intermediate_size\":" << c.intermediate_size
        << ",\"num_hidden_layers\":" << c.num_layers << ",\"num_attention_heads\":" << c.num_heads
        << ",\"num_key_value_heads\":" << c.num_kv_heads << ",\"max_position_embeddings\":4096"
        << ",\"rope_parameters\":{\"rope_theta\":500000.0,\"rope_type\":\"default\"},\"rms_norm_eps\":1e-06"
        << ",\"tie_word_embeddings\":false,\"attention_bias\":false,\"hidden_act\":\"silu\",\"dtype\":\"bfloat16\"}";
    std::vector<std::string> names;
    for (auto &kv : m.w) names.push_back(kv.first);
    if (!sharded) {
        write_safetensors(dir + "/model.safetensors", m, names, 2);
    } else {
        std::vector<std::string> a(names.begin(), names.begin() + names.size() / 2), b(names.begin() + names.size() / 2, names.end());
        write_safetensors(dir + "/model-00001-of-00002.safetensors", m, a, 0);
        write_safetensors(dir + "/model-00002-of-00002.safetensors", m, b, 1);
        std::ofstream idx(dir + "/model.safetensors.index.json");
        idx << "{\"metadata\":{\"total_size\":0},\"weight_map\":{";
        for (size_t i = 0; i < names.size(); ++i)
            idx << (i ? "," : "") << "\"" << names[i] << "\":\"model-0000" << (i < a.size() ? 1 : 2) << "-of-00002.safetensors\"";
        idx << "}}";
    }
    return dir;
}

olmo_engine *make_engine(const Model &m, int backend, int chunk = 0, uint32_t flags = 0) {
    auto ws = as_weights(m);
    olmo_options o;
    olmo_options_init(&o);
    o.backend = backend;
    o.flags = flags;
    o.max_seq_len = 256;
    o.prefill_chunk = chunk;
    olmo_engine *e = nullptr;
    OK(olmo_engine_create_from_weights(&m.cfg, ws.data(), int(ws.size()), &o, &e));
    return e;
}

std::vector<int32_t> random_tokens(int n, int vocab, uint64_t seed) {
    std::mt19937_64 r(seed);
    std::vector<int32_t> t(n);
    for (auto &x : t) x = int32_t(r() % vocab);
    return t;
}

// Every row of all-logits `all` (one per token) against the reference stepping through the same
// tokens: worst per-position relative error and how many arg-maxes agree.
std::pair<double, int> vs_reference(Ref &ref, const std::vector<int32_t> &toks, const std::vector<float> &all, int V) {
    double worst = 0;
    int agree = 0;
    for (size_t i = 0; i < toks.size(); ++i) {
        auto r = ref.step(toks[i]);
        worst = std::max(worst, rel_err(&all[i * V], r.data(), V));
        agree += argmax(&all[i * V], V) == argmax(r.data(), V);
    }
    return {worst, agree};
}

void test_batched(const Model &m, int backend);

void test_cpu() {
    Model m = make_model(1);
    const int V = m.cfg.vocab_size, N = 40;
    auto toks = random_tokens(N, V, 7);

    // 1. optimised CPU (all-logits prefill) vs naive reference, every position
    olmo_engine *e = make_engine(m, OLMO_BACKEND_CPU);
    std::printf("backend: %s\n", olmo_backend_description(e));
    std::vector<float> all(size_t(N) * V, NAN);  // poisoned
    int32_t next = -1;
    OK(olmo_prefill_all_logits(e, toks.data(), N, all.data(), &next));
    Ref ref(m);
    auto [worst, agree] = vs_reference(ref, toks, all, V);
    std::printf("cpu vs naive reference: worst rel err %.2e, argmax agreement %d/%d\n", worst, agree, N);
    CHECK(worst < 1e-2, "rel err %g", worst);
    CHECK(agree >= N - 1, "agreement %d/%d", agree, N);
    CHECK(next == argmax(&all[size_t(N - 1) * V], V), "next token %d", next);
    CHECK(olmo_position(e) == N, "position %d", olmo_position(e));

    // 2. get_logits matches the last all-logits row (poisoned buffer)
    std::vector<float> last(V, NAN);
    OK(olmo_get_logits(e, last.data(), V));
    CHECK(std::memcmp(last.data(), &all[size_t(N - 1) * V], V * 4) == 0, "get_logits differs from last row");

    // 3. prefill(N-1) + decode(last) == prefill(N)
    OK(olmo_reset(e));
    OK(olmo_prefill(e, toks.data(), N - 1, nullptr));
    std::vector<float> dec(V, NAN);
    OK(olmo_decode(e, toks[N - 1], &next));
    OK(olmo_get_logits(e, dec.data(), V));
    double d = rel_err(dec.data(), &all[size_t(N - 1) * V], V);
    std::printf("decode vs prefill logits: rel err %.2e\n", d);
    CHECK(d < 1e-6, "decode/prefill mismatch %g", d);

    // 4. token-by-token decode == all-logits prefill, every position
    OK(olmo_reset(e));
    worst = 0;
    for (int i = 0; i < N; ++i) {
        if (i == 0) OK(olmo_prefill(e, &toks[0], 1, nullptr));
        else OK(olmo_decode(e, toks[i], nullptr));
        std::fill(dec.begin(), dec.end(), NAN);
        OK(olmo_get_logits(e, dec.data(), V));
        worst = std::max(worst, rel_err(dec.data(), &all[size_t(i) * V], V));
    }
    CHECK(worst < 1e-6, "step-by-step mismatch %g", worst);
    olmo_engine_free(e);

    // 5. chunked prefill (chunk 7) == one pass
    e = make_engine(m, OLMO_BACKEND_CPU, 7);
    std::vector<float> all2(size_t(N) * V, NAN);
    OK(olmo_prefill_all_logits(e, toks.data(), N, all2.data(), nullptr));
    d = rel_err(all2.data(), all.data(), all.size());
    CHECK(d < 1e-6, "chunked prefill mismatch %g", d);

    // 5b. FP32-activation mode (OLMO_FLAG_F32_ACTIVATIONS) vs the naive reference without BF16
    //     rounding: only FP32-vs-double accumulation differs, so the bound is tight.
    {
        olmo_engine *f = make_engine(m, OLMO_BACKEND_CPU, 0, OLMO_FLAG_F32_ACTIVATIONS);
        CHECK(std::strstr(olmo_backend_description(f), "FP32 activations") != nullptr, "description: %s",
              olmo_backend_description(f));
        std::vector<float> f32(size_t(N) * V, NAN);
        OK(olmo_prefill_all_logits(f, toks.data(), N, f32.data(), nullptr));
        Ref ref32(m, false);
        auto [w32, agree32] = vs_reference(ref32, toks, f32, V);
        // token-by-token decode in FP32 mode == its all-logits prefill
        OK(olmo_reset(f));
        double dw = 0;
        for (int i = 0; i < N; ++i) {
            if (i == 0) OK(olmo_prefill(f, &toks[0], 1, nullptr));
            else OK(olmo_decode(f, toks[i], nullptr));
            std::fill(dec.begin(), dec.end(), NAN);
            OK(olmo_get_logits(f, dec.data(), V));
            dw = std::max(dw, rel_err(dec.data(), &f32[size_t(i) * V], V));
        }
        double vs16 = rel_err(f32.data(), all.data(), all.size());
        std::printf("fp32-activation mode vs naive fp32 reference: worst rel err %.2e, argmax %d/%d; "
                    "decode vs prefill %.2e; vs bf16 mode %.2e\n", w32, agree32, N, dw, vs16);
        CHECK(w32 < 1e-5, "fp32 mode rel err %g", w32);
        CHECK(agree32 == N, "fp32 mode agreement %d/%d", agree32, N);
        CHECK(dw < 1e-6, "fp32 mode decode/prefill mismatch %g", dw);
        CHECK(vs16 > 1e-4, "fp32 mode gave the bf16 result (%g): flag ignored?", vs16);
        olmo_engine_free(f);
    }

    // 6. errors
    int32_t bad = V;
    CHECK(olmo_decode(e, bad, nullptr) == OLMO_ERR_INVALID_ARGUMENT, "bad token accepted");
    CHECK(std::strlen(olmo_last_error()) > 0, "no error message");
    OK(olmo_reset(e));
    CHECK(olmo_get_logits(e, dec.data(), V) == OLMO_ERR_STATE, "logits before prefill");
    CHECK(olmo_get_logits(e, dec.data(), V - 1) == OLMO_ERR_INVALID_ARGUMENT, "short buffer accepted");
    auto many = random_tokens(257, V, 3);
    CHECK(olmo_prefill(e, many.data(), 257, nullptr) == OLMO_ERR_CONTEXT_FULL, "overflow accepted");
    CHECK(olmo_position(e) == 0, "position moved on failure");
    olmo_engine *none = nullptr;
    CHECK(olmo_engine_create("/nonexistent/dir", nullptr, &none) == OLMO_ERR_IO && none == nullptr, "missing dir");
    std::printf("missing-dir message: %s\n", olmo_last_error());

    // 7. sampling: seeded reproducibility, top_k=1 == greedy
    olmo_sampling s{};
    s.struct_size = sizeof s; s.temperature = 1.0f; s.top_k = 50; s.top_p = 0.9f; s.seed = 42;
    auto run = [&](int steps) {
        std::vector<int32_t> out;
        int32_t t;
        OK(olmo_reset(e));
        OK(olmo_prefill(e, toks.data(), 8, &t));
        for (int i = 0; i < steps; ++i) { out.push_back(t); OK(olmo_decode(e, t, &t)); }
        return out;
    };
    OK(olmo_set_sampling(e, &s));
    auto s1 = run(12), s2 = run(12);
    CHECK(s1 == s2, "seeded sampling not reproducible");
    s.top_k = 1;
    OK(olmo_set_sampling(e, &s));
    auto s3 = run(12);
    s.temperature = 0;
    OK(olmo_set_sampling(e, &s));
    auto g = run(12);
    CHECK(s3 == g, "top_k=1 differs from greedy");
    olmo_engine_free(e);

    // 8. snapshot loading: single file (BF16) and sharded index with F32/F16/BF16 tensors
    for (bool sharded : {false, true}) {
        std::string dir = write_snapshot(m, sharded);
        olmo_options o;
        olmo_options_init(&o);
        o.backend = OLMO_BACKEND_CPU;
        o.max_seq_len = 64;
        OK(olmo_engine_create(dir.c_str(), &o, &e));
        olmo_config got;
        OK(olmo_get_config(e, &got));
        CHECK(got.rope_theta == 500000.f && got.num_kv_heads == 2 && got.head_dim == 64, "config parse");
        std::vector<float> sa(size_t(N) * V, NAN);
        OK(olmo_prefill_all_logits(e, toks.data(), N, sa.data(), nullptr));
        d = rel_err(sa.data(), all.data(), all.size());
        std::printf("snapshot (%s) vs buffers: rel err %.2e\n", sharded ? "sharded" : "single", d);
        CHECK(d == 0, "snapshot load differs %g", d);
        olmo_engine_free(e);
        std::string rm = "rm -rf " + dir;
        CHECK(std::system(rm.c_str()) == 0, "cleanup");
    }

    // 9. sequence slots and batched decode
    test_batched(m, OLMO_BACKEND_CPU);
}

// Batched calls on one backend: 6 prompts (1 to 300 tokens; the longest spans several attention
// splits on CUDA) in 4 slots with continuous admission (a prompt enters a slot as soon as one is
// released, prompts longer than 40 tokens come in chunks between steps). Every prompt's tokens and
// logits must be bit-identical to the same prompt decoded alone through olmo_batch_decode (batch
// invariance), and close to the batch-1 calls (exactly equal on the CPU). Then the errors.
void test_batched(const Model &m, int backend) {
    const int V = m.cfg.vocab_size, SLOTS = 4, STEPS = 20, NP = 6;
    auto ws = as_weights(m);
    olmo_options o;
    olmo_options_init(&o);
    o.backend = backend;
    o.max_seq_len = 512;
    o.num_slots = SLOTS;
    olmo_engine *e = nullptr;
    OK(olmo_engine_create_from_weights(&m.cfg, ws.data(), int(ws.size()), &o, &e));
    CHECK(olmo_num_slots(e) == SLOTS && olmo_max_batch(e) == SLOTS, "slots %d, max batch %d", olmo_num_slots(e),
          olmo_max_batch(e));
    const int lens[NP] = {17, 1, 300, 5, 64, 41};
    std::vector<std::vector<int32_t>> prompts;
    for (int p = 0; p < NP; ++p) prompts.push_back(random_tokens(lens[p], V, 100 + p));
    // alone, through the batched calls (slot 3, one row per step)
    std::vector<std::vector<int32_t>> alone_tok(NP);
    std::vector<std::vector<float>> alone_log(NP);
    std::vector<float> buf(V);
    for (int p = 0; p < NP; ++p) {
        int32_t t;
        OK(olmo_slot_prefill(e, 3, prompts[p].data(), lens[p], &t));
        for (int i = 0; i < STEPS; ++i) {
            alone_tok[p].push_back(t);
            const int32_t slot = 3;
            OK(olmo_batch_decode(e, 1, &slot, &t, &t));
            OK(olmo_slot_logits(e, 3, buf.data(), V));
            alone_log[p].insert(alone_log[p].end(), buf.begin(), buf.end());
        }
        OK(olmo_slot_release(e, 3));
    }
    // the batch-1 calls (slot 0)
    double worst1 = 0;
    int agree1 = 0;
    for (int p = 0; p < NP; ++p) {
        OK(olmo_reset(e));
        int32_t t;
        OK(olmo_prefill(e, prompts[p].data(), lens[p], &t));
        for (int i = 0; i < STEPS; ++i) {
            agree1 += t == alone_tok[p][i];
            t = alone_tok[p][i];  // teacher-forced on the batched path's tokens
            OK(olmo_decode(e, t, &t));
            OK(olmo_get_logits(e, buf.data(), V));
            worst1 = std::max(worst1, rel_err(buf.data(), &alone_log[p][size_t(i) * V], V));
        }
    }
    OK(olmo_reset(e));
    std::printf("batched (one row) vs batch-1 calls: worst rel err %.2e, greedy tokens equal %d/%d\n", worst1,
                agree1, NP * STEPS);
    if (backend == OLMO_BACKEND_CPU) {
        CHECK(worst1 == 0 && agree1 == NP * STEPS, "cpu batched path differs from batch-1");
    } else {
        CHECK(worst1 < 2e-2, "batched vs batch-1 rel err %g", worst1);
    }
    // continuous batching
    std::vector<std::vector<int32_t>> got_tok(NP);
    std::vector<std::vector<float>> got_log(NP);
    int slot_prompt[SLOTS], fed[SLOTS];
    int32_t pending[SLOTS];
    for (int s = 0; s < SLOTS; ++s) slot_prompt[s] = -1;
    int admitted = 0, done = 0, steps = 0, max_rows = 0;
    while (done < NP) {
        for (int s = 0; s < SLOTS; ++s) {
            if (slot_prompt[s] < 0 && admitted < NP) {
                slot_prompt[s] = admitted++;
                fed[s] = 0;
                CHECK(olmo_slot_position(e, s) == 0, "admitted into a used slot");
            }
            const int p = slot_prompt[s];
            if (p >= 0 && fed[s] < lens[p]) {
                const int n = std::min(40, lens[p] - fed[s]);
                OK(olmo_slot_prefill(e, s, prompts[p].data() + fed[s], n, &pending[s]));
                fed[s] += n;
            }
        }
        int32_t sl[SLOTS], tk[SLOTS], nx[SLOTS];
        int n = 0;
        for (int s = SLOTS - 1; s >= 0; --s) {  // rows in descending slot order: row != slot
            const int p = slot_prompt[s];
            if (p < 0 || fed[s] < lens[p]) continue;
            got_tok[p].push_back(pending[s]);
            sl[n] = s;
            tk[n++] = pending[s];
        }
        if (n == 0) continue;
        OK(olmo_batch_decode(e, n, sl, tk, nx));
        ++steps;
        max_rows = std::max(max_rows, n);
        for (int i = 0; i < n; ++i) {
            const int s = sl[i], p = slot_prompt[s];
            OK(olmo_slot_logits(e, s, buf.data(), V));
            got_log[p].insert(got_log[p].end(), buf.begin(), buf.end());
            pending[s] = nx[i];
            if (int(got_tok[p].size()) == STEPS) {
                OK(olmo_slot_release(e, s));
                slot_prompt[s] = -1;
                ++done;
            }
        }
    }
    int same_tok = 0, same_log = 0;
    for (int p = 0; p < NP; ++p) {
        same_tok += got_tok[p] == alone_tok[p];
        same_log += got_log[p].size() == alone_log[p].size() &&
                    std::memcmp(got_log[p].data(), alone_log[p].data(), got_log[p].size() * 4) == 0;
    }
    std::printf("continuous batching (%d steps, up to %d rows): %d/%d prompts' tokens and %d/%d logits bit-equal "
                "to alone\n", steps, max_rows, same_tok, NP, same_log, NP);
    CHECK(same_tok == NP && same_log == NP, "batched output depends on the batch");
    CHECK(max_rows == SLOTS, "never ran a full batch");

    // batched prefill: four prompts (one longer than the CUDA attention split) in one pass, each
    // equal to itself alone in the same call; close to olmo_slot_prefill (equal on the CPU)
    {
        const int32_t ps[4] = {2, 0, 3, 1};
        int32_t pl[4], got[4], want[4];
        std::vector<int32_t> cat;
        std::vector<float> alone_l(size_t(4) * V), one_l(size_t(4) * V);
        double vs_slot = 0;
        for (int i = 0; i < 4; ++i) {
            pl[i] = lens[i];
            cat.insert(cat.end(), prompts[i].begin(), prompts[i].end());
            OK(olmo_batch_prefill(e, 1, &ps[i], &pl[i], prompts[i].data(), &want[i]));
            OK(olmo_slot_logits(e, ps[i], &alone_l[size_t(i) * V], V));
            OK(olmo_slot_release(e, ps[i]));
            OK(olmo_slot_prefill(e, ps[i], prompts[i].data(), pl[i], nullptr));
            OK(olmo_slot_logits(e, ps[i], buf.data(), V));
            vs_slot = std::max(vs_slot, rel_err(buf.data(), &alone_l[size_t(i) * V], V));
            OK(olmo_slot_release(e, ps[i]));
        }
        OK(olmo_batch_prefill(e, 4, ps, pl, cat.data(), got));
        int same = 0;
        for (int i = 0; i < 4; ++i) {
            OK(olmo_slot_logits(e, ps[i], &one_l[size_t(i) * V], V));
            same += got[i] == want[i] && olmo_slot_position(e, ps[i]) == pl[i] &&
                    std::memcmp(&one_l[size_t(i) * V], &alone_l[size_t(i) * V], size_t(V) * 4) == 0;
            OK(olmo_slot_release(e, ps[i]));
        }
        std::printf("batched prefill of 4 prompts: %d/4 equal to alone (token, logits, position); vs "
                    "olmo_slot_prefill: rel err %.2e\n", same, vs_slot);
        CHECK(same == 4, "batched prefill depends on the batch");
        if (backend == OLMO_BACKEND_CPU) CHECK(vs_slot == 0, "cpu batched prefill differs from slot prefill");
        else CHECK(vs_slot < 2e-2, "batched prefill vs slot prefill %g", vs_slot);
        // passes of a given size (OLMO_PREFILL_PASS; prefill_chunk 300): {17, 1, 300} then {5} in
        // another engine of the same model, each prompt still equal to itself alone
        {
            setenv("OLMO_PREFILL_PASS", "320", 1);
            olmo_options o2 = o;
            o2.prefill_chunk = 300;
            olmo_engine *e2 = nullptr;
            OK(olmo_engine_create_from_weights(&m.cfg, ws.data(), int(ws.size()), &o2, &e2));
            CHECK(std::strstr(olmo_backend_description(e2), "passes of up to 320 tokens") != nullptr &&
                      std::strstr(olmo_backend_description(e), "passes of up to 2048 tokens") != nullptr,
                  "pass sizes not as set: '%s' / '%s'", olmo_backend_description(e2), olmo_backend_description(e));
            int32_t got2[4];
            OK(olmo_batch_prefill(e2, 4, ps, pl, cat.data(), got2));
            int same2 = 0;
            for (int i = 0; i < 4; ++i) {
                OK(olmo_slot_logits(e2, ps[i], buf.data(), V));
                same2 += got2[i] == want[i] &&
                         std::memcmp(buf.data(), &alone_l[size_t(i) * V], size_t(V) * 4) == 0;
            }
            olmo_engine_free(e2);
            std::printf("batched prefill in passes of 320 tokens: %d/4 equal to alone\n", same2);
            CHECK(same2 == 4, "batched prefill depends on the pass size");
            setenv("OLMO_PREFILL_PASS", "lots", 1);
            e2 = nullptr;
            CHECK(olmo_engine_create_from_weights(&m.cfg, ws.data(), int(ws.size()), &o2, &e2) ==
                      OLMO_ERR_INVALID_ARGUMENT && e2 == nullptr,
                  "OLMO_PREFILL_PASS=lots accepted");
            CHECK(std::strstr(olmo_last_error(), "OLMO_PREFILL_PASS") != nullptr, "message: %s", olmo_last_error());
            unsetenv("OLMO_PREFILL_PASS");
        }
        const int32_t dup[2] = {1, 1}, dl[2] = {1, 1};
        CHECK(olmo_batch_prefill(e, 2, dup, dl, cat.data(), nullptr) == OLMO_ERR_BAD_SLOT, "prefill slot twice");
        CHECK(olmo_slot_position(e, 1) == 0, "failed batched prefill appended");
    }

    // errors: nothing is appended by a failed call
    int32_t t0;
    OK(olmo_slot_prefill(e, 1, prompts[0].data(), 10, &t0));
    int32_t sl2[2] = {1, 1}, tk2[2] = {t0, t0}, nx2[2];
    CHECK(olmo_batch_decode(e, 2, sl2, tk2, nx2) == OLMO_ERR_BAD_SLOT, "slot twice accepted");
    sl2[1] = SLOTS;
    CHECK(olmo_batch_decode(e, 2, sl2, tk2, nx2) == OLMO_ERR_BAD_SLOT, "slot out of range accepted");
    CHECK(std::strstr(olmo_last_error(), "outside") != nullptr, "message: %s", olmo_last_error());
    sl2[1] = 2;
    CHECK(olmo_batch_decode(e, 2, sl2, tk2, nx2) == OLMO_ERR_STATE, "empty slot accepted");
    tk2[1] = V;
    sl2[1] = 1;
    sl2[0] = 0;
    CHECK(olmo_batch_decode(e, 5, sl2, tk2, nx2) == OLMO_ERR_INVALID_ARGUMENT, "n > max_batch accepted");
    CHECK(olmo_slot_prefill(e, -1, prompts[0].data(), 1, nullptr) == OLMO_ERR_BAD_SLOT, "slot -1 accepted");
    CHECK(olmo_slot_logits(e, 2, buf.data(), V) == OLMO_ERR_STATE, "logits of an empty slot");
    CHECK(olmo_slot_position(e, 1) == 10, "failed steps moved slot 1 to %d", olmo_slot_position(e, 1));
    auto many = random_tokens(503, V, 5);
    CHECK(olmo_slot_prefill(e, 1, many.data(), 503, nullptr) == OLMO_ERR_CONTEXT_FULL, "overflow accepted");
    OK(olmo_slot_prefill(e, 1, many.data(), 501, nullptr));
    const int32_t one = 1;
    OK(olmo_batch_decode(e, 1, &one, &t0, nullptr));
    CHECK(olmo_batch_decode(e, 1, &one, &t0, nullptr) == OLMO_ERR_CONTEXT_FULL, "decode past max_seq accepted");
    CHECK(olmo_slot_position(e, 1) == 512, "position %d", olmo_slot_position(e, 1));
    // a released slot starts fresh: same greedy token and logits as the first time
    OK(olmo_slot_release(e, 1));
    int32_t t1;
    OK(olmo_slot_prefill(e, 1, prompts[0].data(), 10, &t1));
    CHECK(t1 == t0, "reused slot gave %d, first time %d", t1, t0);
    olmo_engine_free(e);
}

void test_cuda_model(const Model &m) {
    std::printf("-- cuda vs cpu, head_dim %d, hidden %d\n", m.cfg.head_dim, m.cfg.hidden_size);
    const int V = m.cfg.vocab_size, N = 150;
    auto ws = as_weights(m);
    olmo_options o;
    olmo_options_init(&o);
    o.backend = OLMO_BACKEND_CUDA;
    o.max_seq_len = 256;
    o.prefill_chunk = 64;  // exercises multi-chunk prefill with a KV offset
    olmo_engine *g = nullptr;
    olmo_status st = olmo_engine_create_from_weights(&m.cfg, ws.data(), int(ws.size()), &o, &g);
    if (st == OLMO_ERR_NO_BACKEND) { std::printf("skipped: %s\n", olmo_last_error()); std::exit(77); }
    OK(st);
    std::printf("backend: %s\n", olmo_backend_description(g));
    olmo_engine *c = make_engine(m, OLMO_BACKEND_CPU);
    auto toks = random_tokens(N, V, 11);
    std::vector<float> ga(size_t(N) * V, NAN), ca(size_t(N) * V, NAN);
    int32_t gn, cn;
    OK(olmo_prefill_all_logits(g, toks.data(), N, ga.data(), &gn));
    OK(olmo_prefill_all_logits(c, toks.data(), N, ca.data(), &cn));
    double worst = 0;
    int agree = 0;
    for (int i = 0; i < N; ++i) {
        worst = std::max(worst, rel_err(&ga[size_t(i) * V], &ca[size_t(i) * V], V));
        agree += argmax(&ga[size_t(i) * V], V) == argmax(&ca[size_t(i) * V], V);
    }
    std::printf("cuda prefill vs cpu: worst rel err %.2e, argmax %d/%d\n", worst, agree, N);
    CHECK(worst < 2e-2, "prefill rel err %g", worst);
    CHECK(agree >= N * 97 / 100, "prefill agreement %d", agree);
    // decode: teacher-forced continuation, compare every step
    std::vector<float> gl(V), cl(V);
    auto more = random_tokens(60, V, 12);
    worst = 0;
    agree = 0;
    for (int i = 0; i < 60; ++i) {
        std::fill(gl.begin(), gl.end(), NAN);
        OK(olmo_decode(g, more[i], &gn));
        OK(olmo_decode(c, more[i], &cn));
        OK(olmo_get_logits(g, gl.data(), V));
        OK(olmo_get_logits(c, cl.data(), V));
        worst = std::max(worst, rel_err(gl.data(), cl.data(), V));
        agree += gn == argmax(gl.data(), V);
        agree += gn == cn ? 0 : 0;
    }
    std::printf("cuda decode vs cpu: worst rel err %.2e, on-device argmax consistent %d/60\n", worst, agree);
    CHECK(worst < 2e-2, "decode rel err %g", worst);
    CHECK(agree == 60, "device argmax disagrees with its logits");
    // decode after reset reproduces the same logits (graph replay with fresh positions)
    OK(olmo_reset(g));
    OK(olmo_prefill(g, toks.data(), N, nullptr));
    std::vector<float> again(V, NAN);
    OK(olmo_get_logits(g, again.data(), V));
    double d = rel_err(again.data(), &ga[size_t(N - 1) * V], V);
    CHECK(d < 1e-6, "reset/prefill not reproducible %g", d);
    olmo_engine_free(g);
    olmo_engine_free(c);
    test_batched(m, OLMO_BACKEND_CUDA);
}

void test_cuda() {
    if (!(olmo_compiled_backends() & 2u)) { std::printf("skipped: built without CUDA\n"); std::exit(77); }
    test_cuda_model(make_model(2));
    test_cuda_model(make_model(3, 64, 256, 16));
}
}  // namespace

int main(int argc, char **argv) {
    std::string what = argc > 1 ? argv[1] : "cpu";
    CHECK(olmo_abi_version() == OLMO_ENGINE_ABI_VERSION, "abi");
    if (what == "cpu") test_cpu();
    else if (what == "cuda") test_cuda();
    else if (what == "write-snapshot" && argc > 2) {  // for the JNI smoke test
        std::string mk = std::string("mkdir -p '") + argv[2] + "'";
        if (std::system(mk.c_str()) != 0) return 1;
        write_snapshot(make_model(1), true, argv[2]);
        return 0;
    }
    else { std::printf("usage: olmo_test cpu|cuda|write-snapshot DIR\n"); return 2; }
    std::printf(failures ? "%d FAILURES\n" : "all passed\n", failures);
    return failures ? 1 : 0;
}
