// CPU backend: plain C++17, FP32 arithmetic on BF16-resident weights, activations rounded
// to BF16 at the same module boundaries as transformers' BF16 Olmo2 (engine.md §1.7).
// Prefill and decode share one forward over n rows, so the two paths agree exactly.
// With OLMO_FLAG_F32_ACTIVATIONS nothing is rounded between modules and the KV cache holds FP32:
// the same forward then computes what transformers computes in FP32 on the same BF16 weights,
// which is the tight (rounding-free) check of the model's arithmetic.
#include <algorithm>
#include <thread>

#include "../internal.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace olmo {
namespace {


// 8 independent accumulators so the compiler can vectorise without reassociating.
inline float dot(const float *a, const float *b, int n) {
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int k = 0;
    for (; k + 8 <= n; k += 8)
        for (int j = 0; j < 8; ++j) acc[j] += a[k + j] * b[k + j];
    float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; k < n; ++k) s += a[k] * b[k];
    return s;
}

// y = rmsnorm(x) * w in FP32, returned unrounded (callers round).
inline void rmsnorm(const float *x, const float *w, int n, float eps, float *y) {
    double ss = 0;
    for (int i = 0; i < n; ++i) ss += double(x[i]) * x[i];
    float r = 1.f / std::sqrt(float(ss / n) + eps);
    for (int i = 0; i < n; ++i) y[i] = w[i] * (x[i] * r);
}

struct Layer {
    std::vector<uint16_t> qkv, o, gu, down;
    std::vector<float> q_norm, k_norm, post_attn, post_ff;
};

std::vector<float> to_f32(const std::vector<uint16_t> &v) {
    std::vector<float> f(v.size());
    for (size_t i = 0; i < v.size(); ++i) f[i] = bf16_to_f32(v[i]);
    return f;
}

class CpuBackend : public Backend {
  public:
    CpuBackend(int threads, uint32_t flags) : f32_((flags & OLMO_FLAG_F32_ACTIVATIONS) != 0) {
        nt_ = threads > 0 ? threads : int(std::max(1u, std::thread::hardware_concurrency()));
    }
    std::string description() const override {
        const std::string act = f32_ ? ", FP32 activations" : "";
#ifdef _OPENMP
        return "cpu (" + std::to_string(nt_) + " OpenMP threads" + act + ")";
#else
        return "cpu (single thread" + act + ")";
#endif
    }

    void load(const Config &c, const TensorSource &src, int max_seq, int chunk, int pass, int slots,
              int max_batch) override {
        c_ = c;
        max_seq_ = max_seq;
        slots_ = slots;
        const size_t H = c.hidden, V = c.vocab;
        emb_.resize(V * H);
        src.load_bf16("model.embed_tokens.weight", {int64_t(V), int64_t(H)}, emb_.data());
        if (src.has("lm_head.weight") || !c.tie) {
            lm_.resize(V * H);
            src.load_bf16("lm_head.weight", {int64_t(V), int64_t(H)}, lm_.data());
        }
        std::vector<uint16_t> nrm(H);
        src.load_bf16("model.norm.weight", {int64_t(H)}, nrm.data());
        final_norm_ = to_f32(nrm);
        layers_.resize(c.layers);
        LayerWeights lw;
        for (int l = 0; l < c.layers; ++l) {
            load_layer(src, c, l, lw);
            Layer &L = layers_[l];
            L.qkv = std::move(lw.qkv); L.o = std::move(lw.o); L.gu = std::move(lw.gu); L.down = std::move(lw.down);
            L.q_norm = to_f32(lw.q_norm); L.k_norm = to_f32(lw.k_norm);
            L.post_attn = to_f32(lw.post_attn); L.post_ff = to_f32(lw.post_ff);
        }
        const size_t D = c.head_dim;
        const size_t cache = size_t(slots) * c.layers * c.kv_heads * max_seq * D;
        if (f32_) {
            kcache32_.assign(cache, 0.f);
            vcache32_.assign(cache, 0.f);
        } else {
            kcache_.assign(cache, 0);
            vcache_.assign(cache, 0);
        }
        inv_freq_.resize(D / 2);
        for (size_t i = 0; i < D / 2; ++i) inv_freq_[i] = 1.0f / std::pow(c.rope_theta, float(2 * i) / float(D));
        logits_.assign(size_t(slots) * V, 0.f);
        (void)chunk;
        (void)pass;
        (void)max_batch;
    }

    int32_t prefill(int slot, const int32_t *ids, int n, int pos0, float *all) override {
        rslot_.assign(n, slot);
        rpos_.resize(n);
        for (int i = 0; i < n; ++i) rpos_[i] = pos0 + i;
        forward(ids, n, all, false);
        return argmax(slot);
    }
    int32_t decode(int32_t tok, int pos) override {
        rslot_.assign(1, 0);
        rpos_.assign(1, pos);
        forward(&tok, 1, nullptr, true);
        return argmax(0);
    }
    void decode_batch(int n, const int32_t *slots, const int32_t *tokens, const int32_t *pos, int32_t *next) override {
        rslot_.assign(slots, slots + n);
        rpos_.assign(pos, pos + n);
        forward(tokens, n, nullptr, true);
        if (next)
            for (int i = 0; i < n; ++i) next[i] = argmax(slots[i]);
    }
    void copy_logits(int slot, float *out) override {
        const float *l = &logits_[size_t(slot) * c_.vocab];
        std::copy(l, l + c_.vocab, out);
    }

  private:
    Config c_;
    const bool f32_;  // OLMO_FLAG_F32_ACTIVATIONS: no BF16 rounding of activations, FP32 KV cache
    int nt_, max_seq_ = 0, slots_ = 1;
    std::vector<int> rslot_, rpos_;  // the current forward's rows: slot and position of each
    std::vector<uint16_t> emb_, lm_;
    std::vector<float> final_norm_, inv_freq_, logits_;  // logits_: [slot][vocab]
    std::vector<Layer> layers_;
    std::vector<uint16_t> kcache_, vcache_;    // [slot][layer][kv_head][pos][head_dim], BF16 values
    std::vector<float> kcache32_, vcache32_;   // the same layout, FP32 (f32_ only)

    // A module boundary: BF16 rounding as transformers' BF16 run does, or nothing in FP32 mode.
    float rd(float x) const { return f32_ ? x : round_bf16(x); }
    void round_vec(float *x, size_t n) const {
        if (!f32_)
            for (size_t i = 0; i < n; ++i) x[i] = round_bf16(x[i]);
    }
    static float load(const uint16_t *p, size_t i) { return bf16_to_f32(p[i]); }
    static float load(const float *p, size_t i) { return p[i]; }
    static void store(uint16_t *p, size_t i, float v) { p[i] = f32_to_bf16(v); }
    static void store(float *p, size_t i, float v) { p[i] = v; }

    // Y[m][n] = sum_k X[m][k] * W[n][k]; W is BF16 [N, K].
    void matmul(const float *X, int M, int K, const uint16_t *W, int N, float *Y) {
#pragma omp parallel num_threads(nt_)
        {
            std::vector<float> w(K);
#pragma omp for schedule(static)
            for (int n = 0; n < N; ++n) {
                const uint16_t *row = W + size_t(n) * K;
                for (int k = 0; k < K; ++k) w[k] = bf16_to_f32(row[k]);
                for (int m = 0; m < M; ++m) Y[size_t(m) * N + n] = dot(X + size_t(m) * K, w.data(), K);
            }
        }
    }

    int32_t argmax(int slot) const {
        const float *l = &logits_[size_t(slot) * c_.vocab];
        int32_t best = 0;
        for (int i = 1; i < c_.vocab; ++i)
            if (l[i] > l[best]) best = i;
        return best;
    }

    // Rows i = 0..n-1 are token ids[i] of slot rslot_[i] at position rpos_[i]. Row i attends to its
    // own slot's positions 0..rpos_[i] (the rows of one prefill are one slot's consecutive
    // positions, so this is causal attention). every_row: logits of every row, each into its slot's
    // logits (a decode step); else those of the last row only (a prefill).
    void forward(const int32_t *ids, int n, float *all, bool every_row) {
        if (f32_)
            forward_t(kcache32_.data(), vcache32_.data(), ids, n, all, every_row);
        else
            forward_t(kcache_.data(), vcache_.data(), ids, n, all, every_row);
    }

    // T: the KV cache's element type (uint16_t BF16 bits, or float).
    template <typename T>
    void forward_t(T *kcache, T *vcache, const int32_t *ids, int n, float *all, bool every_row) {
        const Config &c = c_;
        const int H = c.hidden, Q = c.q_dim(), KV = c.kv_dim(), I = c.inter, D = c.head_dim, QKV = Q + 2 * KV;
        const int group = c.heads / c.kv_heads;
        const float scale = 1.f / std::sqrt(float(D));
        std::vector<float> x(size_t(n) * H), qkv(size_t(n) * QKV), att(size_t(n) * Q), a(size_t(n) * H),
            gu(size_t(n) * 2 * I), act(size_t(n) * I), tmp(std::max({H, Q, KV}));
        const size_t slot_stride = size_t(c.layers) * c.kv_heads * max_seq_ * D;
        int max_len = 0;
        for (int i = 0; i < n; ++i) max_len = std::max(max_len, rpos_[i] + 1);
        for (int i = 0; i < n; ++i)
            for (int h = 0; h < H; ++h) x[size_t(i) * H + h] = bf16_to_f32(emb_[size_t(ids[i]) * H + h]);

        for (int l = 0; l < c.layers; ++l) {
            const Layer &L = layers_[l];
            matmul(x.data(), n, H, L.qkv.data(), QKV, qkv.data());
            round_vec(qkv.data(), qkv.size());
            const size_t layer_off = size_t(l) * c.kv_heads * max_seq_ * D;
            for (int i = 0; i < n; ++i) {
                T *kc = kcache + rslot_[i] * slot_stride + layer_off, *vc = vcache + rslot_[i] * slot_stride + layer_off;
                float *q = &qkv[size_t(i) * QKV], *k = q + Q, *v = k + KV;
                rmsnorm(q, L.q_norm.data(), Q, c.eps, q); round_vec(q, Q);
                rmsnorm(k, L.k_norm.data(), KV, c.eps, k); round_vec(k, KV);
                const int pos = rpos_[i];
                rope(q, c.heads, pos);
                rope(k, c.kv_heads, pos);
                for (int h = 0; h < c.kv_heads; ++h)
                    for (int d = 0; d < D; ++d) {
                        store(kc, (size_t(h) * max_seq_ + pos) * D + d, k[h * D + d]);
                        store(vc, (size_t(h) * max_seq_ + pos) * D + d, v[h * D + d]);
                    }
            }
            // causal attention, one (row, head) per task
#pragma omp parallel num_threads(nt_)
            {
                std::vector<float> s(max_len), kf(D), acc(D);
#pragma omp for schedule(dynamic)
                for (int t = 0; t < n * c.heads; ++t) {
                    const int i = t / c.heads, h = t % c.heads, kvh = h / group, len = rpos_[i] + 1;
                    const T *kc = kcache + rslot_[i] * slot_stride + layer_off;
                    const T *vc = vcache + rslot_[i] * slot_stride + layer_off;
                    const float *q = &qkv[size_t(i) * QKV + h * D];
                    const T *kh = kc + size_t(kvh) * max_seq_ * D, *vh = vc + size_t(kvh) * max_seq_ * D;
                    float mx = -INFINITY;
                    for (int j = 0; j < len; ++j) {
                        for (int d = 0; d < D; ++d) kf[d] = load(kh, size_t(j) * D + d);
                        s[j] = dot(q, kf.data(), D) * scale;
                        mx = std::max(mx, s[j]);
                    }
                    float sum = 0;
                    std::fill(acc.begin(), acc.end(), 0.f);
                    for (int j = 0; j < len; ++j) {
                        float p = std::exp(s[j] - mx);
                        sum += p;
                        for (int d = 0; d < D; ++d) acc[d] += p * load(vh, size_t(j) * D + d);
                    }
                    float *o = &att[size_t(i) * Q + h * D];
                    for (int d = 0; d < D; ++d) o[d] = rd(acc[d] / sum);
                }
            }
            matmul(att.data(), n, Q, L.o.data(), H, a.data());
            round_vec(a.data(), a.size());
            residual_norm(x.data(), a.data(), L.post_attn.data(), n, tmp.data());
            matmul(x.data(), n, H, L.gu.data(), 2 * I, gu.data());
            for (size_t j = 0; j < size_t(n) * I; ++j) {
                float g = rd(gu[2 * j]), u = rd(gu[2 * j + 1]);
                float sg = rd(g / (1.f + std::exp(-g)));
                act[j] = rd(sg * u);
            }
            matmul(act.data(), n, I, L.down.data(), H, a.data());
            round_vec(a.data(), a.size());
            residual_norm(x.data(), a.data(), L.post_ff.data(), n, tmp.data());
        }
        const uint16_t *lm = lm_.empty() ? emb_.data() : lm_.data();
        const int first = all || every_row ? 0 : n - 1;
        std::vector<float> y(size_t(n - first) * H);
        for (int i = first; i < n; ++i) {
            float *yi = &y[size_t(i - first) * H];
            rmsnorm(&x[size_t(i) * H], final_norm_.data(), H, c.eps, yi);
            round_vec(yi, H);
        }
        const size_t V = c.vocab;
        if (all) {
            matmul(y.data(), n, H, lm, c.vocab, all);
            std::copy(all + size_t(n - 1) * V, all + size_t(n) * V, logits_.begin() + rslot_[n - 1] * V);
        } else if (every_row) {
            std::vector<float> out(size_t(n) * V);
            matmul(y.data(), n, H, lm, c.vocab, out.data());
            for (int i = 0; i < n; ++i)
                std::copy(out.begin() + i * V, out.begin() + (i + 1) * V, logits_.begin() + rslot_[i] * V);
        } else {
            matmul(y.data(), 1, H, lm, c.vocab, logits_.data() + rslot_[n - 1] * V);
        }
    }

    // x = bf16(x + bf16(rmsnorm(a) * w)) for each of n rows.
    void residual_norm(float *x, const float *a, const float *w, int n, float *tmp) {
        const int H = c_.hidden;
        for (int i = 0; i < n; ++i) {
            rmsnorm(a + size_t(i) * H, w, H, c_.eps, tmp);
            float *xi = x + size_t(i) * H;
            for (int h = 0; h < H; ++h) xi[h] = rd(xi[h] + rd(tmp[h]));
        }
    }

    // Split-half (NeoX) rotary embedding in FP32, rounded back to BF16.
    void rope(float *v, int nheads, int pos) {
        const int D = c_.head_dim, half = D / 2;
        for (int h = 0; h < nheads; ++h) {
            float *x = v + h * D;
            for (int d = 0; d < half; ++d) {
                float ang = float(pos) * inv_freq_[d], cs = std::cos(ang), sn = std::sin(ang);
                float x1 = x[d], x2 = x[d + half];
                x[d] = rd(x1 * cs - x2 * sn);
                x[d + half] = rd(x2 * cs + x1 * sn);
            }
        }
    }
};
}  // namespace

std::unique_ptr<Backend> make_cpu_backend(int threads, uint32_t flags) {
    return std::make_unique<CpuBackend>(threads, flags);
}

}  // namespace olmo
