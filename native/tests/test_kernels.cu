// olmo_kernel_test: every CUDA kernel of kernels.cuh in isolation against a CPU reference computed
// in double from the SAME bf16 inputs, with the kernel's own rounding points (those of
// cpu_backend.cpp, i.e. transformers' BF16 Olmo2). Exit 0 = pass, 1 = failure, 77 = no CUDA device.
//
// How the comparison stays tight. Each checked BF16 output gets an Expect {r, lo, hi}: r is the
// exact value the kernel rounds last (with nominal intermediates), [lo, hi] the range that value
// may take given (a) FP32 arithmetic — accumulation order, rsqrtf, expf/__expf, sincosf — bounded
// per kernel far above its real size (see the window constants below), and (b) intermediate BF16
// roundings that sit so close to a rounding midpoint that FP32 may round them either way (both
// candidates are followed to the end). The kernel's output must then lie within 1 bf16 ulp of
// [bf16(lo), bf16(hi)]; normally it lies inside (0 ulp), and at most 0.1 % (+2) of a check's
// outputs may sit at exactly 1 ulp: on an H100 no output of a correct kernel did, while a kernel
// that skips one intermediate rounding (e.g. SwiGLU without rounding silu to BF16) puts ~25 % there
// and no output beyond 1 ulp, so this bound is what catches a wrong rounding point. Intermediates
// the kernel exposes (the residual it writes, the KV-cache it writes, the normalised GEMV input
// observed through an identity weight matrix) are checked first and then used as the reference's
// inputs, so one flipped bit never cascades. FP32 outputs: relative L2 <= 1e-5 and every element
// inside its window. Output buffers are poisoned (0xFF bytes: NaN) before each launch, so anything
// unwritten fails.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>
#include <memory>
#include <vector>

#include "../src/cuda/kernels.cuh"

namespace {
using olmo::k::bf16;
namespace k = olmo::k;

#define CK(x) ck((x), #x, __LINE__)
void ck(cudaError_t e, const char *what, int line) {
    if (e == cudaSuccess) return;
    std::printf("FATAL CUDA error at test_kernels.cu:%d: %s: %s\n", line, what, cudaGetErrorString(e));
    std::exit(1);
}
void sync_check(int line) {
    ck(cudaGetLastError(), "kernel launch", line);
    ck(cudaDeviceSynchronize(), "kernel execution", line);
}
#define SYNC() sync_check(__LINE__)

// FP32 error windows (relative to the stated magnitude). Real FP32 errors of these computations are
// a few 2^-24; the windows are 5–500x that and still 2^7–2^12 below a bf16 ulp.
const double kRoundWin = std::ldexp(1.0, -16);  // intermediate FP32 value before a BF16 rounding
const double kDotWin = std::ldexp(1.0, -20);    // dot products: times sum |a_k * b_k|
// Tensor-core (mma.sync) dot products: their FP32 accumulation truncates, measured on an H100 at
// 0.4 of kDotWin for K=2048 (CUDA-core GEMV: 0.02), so twice kDotWin.
const double kMmaWin = std::ldexp(1.0, -19);
const double kRopeWin = std::ldexp(1.0, -20);   // RoPE: times |x1| + |x2| (sincosf 2 ulp, fma)
const double kSiluWin = std::ldexp(1.0, -20);   // silu(g) = g / (1 + expf(-g)): times |silu|
const double kAttnWin = std::ldexp(1.0, -15);   // attention: times sum p|v| / sum p + |o| (__expf)
const double kF32RelL2 = 1e-5;

// ------------------------------------------------------------------ bf16 on the host
float bf2f(uint16_t b) {
    uint32_t u = uint32_t(b) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}
uint16_t f2bf(float f) {  // round to nearest even
    uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return 0x7fc0;
    u += 0x7fffu + ((u >> 16) & 1u);
    return uint16_t(u >> 16);
}
// Rounds a double straight to the nearest bf16 (ties to even); no double rounding through float.
float bf16r(double x) {
    if (x == 0 || !std::isfinite(x)) return float(x);
    int e;
    std::frexp(x, &e);                        // |x| in [2^(e-1), 2^e): 8 significant bits -> ulp 2^(e-8)
    const double q = std::ldexp(1.0, std::max(e, -125) - 8);  // below 2^-126: bf16 subnormal quantum
    return float(std::nearbyint(x / q) * q);
}
int ord(uint16_t b) { return (b & 0x8000) ? -int(b & 0x7fff) : int(b); }  // monotone in the value
bool is_nan_bits(uint16_t b) { return (b & 0x7fff) > 0x7f80; }

// ------------------------------------------------------------------ inputs
struct Rng {
    uint64_t s;
    explicit Rng(const std::string &name) : s(1469598103934665603ull) {
        for (char c : name) s = (s ^ uint8_t(c)) * 1099511628211ull;
    }
    uint64_t next() {  // splitmix64
        uint64_t z = (s += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    double uniform() { return (next() >> 11) * 0x1.0p-53; }  // [0, 1)
    double normal() {
        const double u1 = 1.0 - uniform(), u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }
    int below(int n) { return int(next() % uint64_t(n)); }
};
std::vector<uint16_t> randn(Rng &g, size_t n, double stddev) {
    std::vector<uint16_t> v(n);
    for (auto &x : v) x = f2bf(float(g.normal() * stddev));
    return v;
}
std::vector<uint16_t> norm_weight(Rng &g, size_t n) {  // 1 +- 0.1
    std::vector<uint16_t> v(n);
    for (auto &x : v) x = f2bf(float(1.0 + 0.2 * (g.uniform() - 0.5)));
    return v;
}
std::vector<float> inv_freq_table(int D, float theta) {  // as cuda_backend.cu computes it
    std::vector<float> inv(D / 2);
    for (int i = 0; i < D / 2; ++i) inv[i] = 1.0f / std::pow(theta, float(2 * i) / float(D));
    return inv;
}
const float kEps = 1e-6f, kTheta = 500000.f;  // OLMo-2's rms_norm_eps and rope_theta

// The card's dynamic shared memory limit per block (opt-in): the v9 prefill tiles need 108 KB.
int optin_smem() {
    int dev = 0, v = 0;
    CK(cudaGetDevice(&dev));
    CK(cudaDeviceGetAttribute(&v, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev));
    return v;
}

// ------------------------------------------------------------------ device buffers
template <class T> struct Dev {
    T *p = nullptr;
    size_t n = 0;
    explicit Dev(size_t count) : n(count) { CK(cudaMalloc(&p, std::max<size_t>(n, 1) * sizeof(T))); }
    explicit Dev(const std::vector<T> &v) : Dev(v.size()) { put(v); }
    ~Dev() { cudaFree(p); }
    Dev(const Dev &) = delete;
    Dev &operator=(const Dev &) = delete;
    void put(const std::vector<T> &v) { CK(cudaMemcpy(p, v.data(), n * sizeof(T), cudaMemcpyHostToDevice)); }
    void poison() { CK(cudaMemset(p, 0xff, n * sizeof(T))); }
    void zero() { CK(cudaMemset(p, 0, n * sizeof(T))); }
    std::vector<T> get() const {
        std::vector<T> v(n);
        CK(cudaMemcpy(v.data(), p, n * sizeof(T), cudaMemcpyDeviceToHost));
        return v;
    }
    bf16 *b() const { return reinterpret_cast<bf16 *>(p); }
};
// Whether the v10 wgmma GEMM runs here: sm_90a code in this binary (wgmma_probe_kernel) and the
// shared memory its largest configuration takes.
bool wgmma_here() {
    Dev<int> d(std::vector<int>{0});
    k::wgmma_probe_kernel<<<1, 1>>>(d.p);
    SYNC();
    return d.get()[0] == 1 && optin_smem() >= k::kGemmWgMaxSmem;
}

// ------------------------------------------------------------------ checks
struct Expect {
    double r, lo, hi;  // nominal exact value before the last rounding; the range it may take
};
Expect window(double r, double e) { return {r, r - e, r + e}; }

int g_checks = 0, g_failed = 0;

// One line of the report: one output of one case.
struct Check {
    std::string name;
    enum Kind { BF16, F32, EXACT } kind;
    long n = 0, nonfinite = 0, ulp1 = 0, bad = 0;
    double max_abs = 0, err2 = 0, ref2 = 0, worst = 0;
    Check(std::string nm, Kind kd) : name(std::move(nm)), kind(kd) {}

    // got must be within 1 ulp of [bf16(lo), bf16(hi)]; errors are measured against bf16(r).
    void add_bf16(uint16_t got, const Expect &e) {
        ++n;
        const float ref = bf16r(e.r);
        if (is_nan_bits(got) || !std::isfinite(bf2f(got))) { ++nonfinite; ++bad; return; }
        const int o = ord(got), olo = ord(f2bf(bf16r(e.lo))), ohi = ord(f2bf(bf16r(e.hi)));
        const int d = o < olo ? olo - o : o > ohi ? o - ohi : 0;
        if (d == 1) ++ulp1;
        if (d > 1) ++bad;
        const double err = double(bf2f(got)) - ref;
        max_abs = std::max(max_abs, std::fabs(err));
        err2 += err * err;
        ref2 += double(ref) * ref;
    }
    // got must lie in [lo, hi]; worst = largest |got - r| as a fraction of the window.
    void add_f32(float got, const Expect &e) {
        ++n;
        if (!std::isfinite(got)) { ++nonfinite; ++bad; return; }
        if (got < e.lo || got > e.hi) ++bad;
        const double err = double(got) - e.r;
        if (e.hi > e.r) worst = std::max(worst, std::fabs(err) / (e.hi - e.r));
        max_abs = std::max(max_abs, std::fabs(err));
        err2 += err * err;
        ref2 += e.r * e.r;
    }
    void add_exact(bool equal) {
        ++n;
        if (!equal) ++bad;
    }
    double rel_l2() const { return ref2 > 0 ? std::sqrt(err2 / ref2) : std::sqrt(err2); }
    bool done() {
        bool ok = bad == 0 && n > 0;
        if (kind == F32 && rel_l2() > kF32RelL2) ok = false;
        if (kind == BF16 && ulp1 > n / 1000 + 2) ok = false;
        ++g_checks;
        if (!ok) ++g_failed;
        if (kind == EXACT)
            std::printf("%s %-58s n=%-9ld exact, mismatches %ld\n", ok ? "PASS" : "FAIL", name.c_str(), n, bad);
        else if (kind == BF16)
            std::printf("%s %-58s n=%-9ld max_abs %.2e rel_l2 %.2e >1ulp %ld =1ulp %ld%s\n", ok ? "PASS" : "FAIL",
                        name.c_str(), n, max_abs, rel_l2(), bad - nonfinite, ulp1,
                        nonfinite ? (" NaN/inf " + std::to_string(nonfinite)).c_str() : "");
        else
            std::printf("%s %-58s n=%-9ld max_abs %.2e rel_l2 %.2e outside-window %ld (worst %.3f of it)%s\n",
                        ok ? "PASS" : "FAIL", name.c_str(), n, max_abs, rel_l2(), bad - nonfinite, worst,
                        nonfinite ? (" NaN/inf " + std::to_string(nonfinite)).c_str() : "");
        return ok;
    }
};
void expect_true(const std::string &name, bool ok, const std::string &detail) {
    ++g_checks;
    if (!ok) ++g_failed;
    std::printf("%s %-58s %s\n", ok ? "PASS" : "FAIL", name.c_str(), detail.c_str());
}

// sum_k w[k] * u[k] in double; abs_sum = sum |w[k] * u[k]| (the scale of FP32 accumulation error).
double dot_ref(const uint16_t *w, const float *u, int K, double &abs_sum) {
    double s = 0, a = 0;
    for (int i = 0; i < K; ++i) {
        const double t = double(bf2f(w[i])) * u[i];
        s += t;
        a += std::fabs(t);
    }
    abs_sum = a;
    return s;
}
std::vector<float> to_f32(const std::vector<uint16_t> &v) {
    std::vector<float> f(v.size());
    for (size_t i = 0; i < v.size(); ++i) f[i] = bf2f(v[i]);
    return f;
}
// Both BF16 values an FP32 computation of exact value x (error <= e) may round to.
std::array<float, 2> cands(double x, double e) { return {bf16r(x - e), bf16r(x + e)}; }

// BF16 SwiGLU as the kernels compute it from FP32 gate/up accumulators:
// out = bf16(bf16(silu(bf16(gate))) * bf16(up)); gate/up known to within eg/eu.
Expect swiglu_expect(double gate, double eg, double up, double eu) {
    auto silu = [](double g) { return g / (1.0 + std::exp(-g)); };
    const double rn = double(bf16r(silu(bf16r(gate)))) * bf16r(up);
    double lo = INFINITY, hi = -INFINITY;
    for (float g : cands(gate, eg))
        for (float s : cands(silu(g), kSiluWin * std::fabs(silu(g))))
            for (float u : cands(up, eu)) {  // s * u is exact in FP32: the last rounding is deterministic
                lo = std::min(lo, double(s) * u);
                hi = std::max(hi, double(s) * u);
            }
    return {rn, lo, hi};
}

// v = bf16(resid + bf16(w * rmsnorm(delta))) over width K (the GEMV prologue and rownorm mode 0).
std::vector<Expect> residual_norm_expect(const uint16_t *resid, const uint16_t *delta, const uint16_t *w, int K) {
    double ss = 0;
    for (int i = 0; i < K; ++i) ss += double(bf2f(delta[i])) * bf2f(delta[i]);
    const double r = 1.0 / std::sqrt(ss / K + double(kEps));
    std::vector<Expect> out(K);
    for (int i = 0; i < K; ++i) {
        const double t = double(bf2f(w[i])) * bf2f(delta[i]) * r, x = bf2f(resid[i]);
        const auto tc = cands(t, kRoundWin * std::fabs(t));
        out[i] = {x + bf16r(t), x + std::min(tc[0], tc[1]), x + std::max(tc[0], tc[1])};  // x + t exact in FP32
    }
    return out;
}
// y = bf16(w * rmsnorm(x)) over width K (the GEMV final norm and rownorm mode 1).
std::vector<Expect> norm_expect(const uint16_t *x, const uint16_t *w, int K) {
    double ss = 0;
    for (int i = 0; i < K; ++i) ss += double(bf2f(x[i])) * bf2f(x[i]);
    const double r = 1.0 / std::sqrt(ss / K + double(kEps));
    std::vector<Expect> out(K);
    for (int i = 0; i < K; ++i) {
        const double t = double(bf2f(w[i])) * bf2f(x[i]) * r;
        out[i] = window(t, kRoundWin * std::fabs(t));
    }
    return out;
}
// Split-half RoPE at position pos of rbf(w * rmsnorm(x)) over the full width W (heads of D): the
// value each output element has before its final rounding.
std::vector<Expect> norm_rope_expect(const uint16_t *x, const uint16_t *w, int W, int D, int pos,
                                     const std::vector<float> &inv_freq) {
    double ss = 0;
    for (int i = 0; i < W; ++i) ss += double(bf2f(x[i])) * bf2f(x[i]);
    const double r = 1.0 / std::sqrt(ss / W + double(kEps));
    std::vector<double> t(W);
    for (int i = 0; i < W; ++i) t[i] = double(bf2f(w[i])) * bf2f(x[i]) * r;
    std::vector<Expect> out(W);
    const int half = D / 2;
    for (int h = 0; h < W / D; ++h)
        for (int d = 0; d < half; ++d) {
            const int i1 = h * D + d, i2 = i1 + half;
            const float ang = float(pos) * inv_freq[d];  // the kernel's FP32 angle, bit for bit
            const double cs = std::cos(double(ang)), sn = std::sin(double(ang));
            const double a1 = bf16r(t[i1]), a2 = bf16r(t[i2]);
            double lo1 = INFINITY, hi1 = -INFINITY, lo2 = INFINITY, hi2 = -INFINITY;
            for (float x1 : cands(t[i1], kRoundWin * std::fabs(t[i1])))
                for (float x2 : cands(t[i2], kRoundWin * std::fabs(t[i2]))) {
                    const double v1 = x1 * cs - x2 * sn, v2 = x2 * cs + x1 * sn;
                    lo1 = std::min(lo1, v1), hi1 = std::max(hi1, v1), lo2 = std::min(lo2, v2), hi2 = std::max(hi2, v2);
                }
            const double e = kRopeWin * (std::fabs(a1) + std::fabs(a2));
            out[i1] = {a1 * cs - a2 * sn, lo1 - e, hi1 + e};
            out[i2] = {a2 * cs + a1 * sn, lo2 - e, hi2 + e};
        }
    return out;
}
// All BF16 values within [bf16(lo), bf16(hi)] (the candidates of an ambiguous rounding).
std::vector<float> bf16_range(const Expect &e) {
    std::vector<float> v;
    uint16_t b = f2bf(bf16r(e.lo));
    const int end = ord(f2bf(bf16r(e.hi)));
    for (int guard = 0; ord(b) <= end && guard < 8; ++guard) {
        v.push_back(bf2f(b));
        const int o = ord(b) + 1;  // next value up
        b = o >= 0 ? uint16_t(o) : uint16_t(0x8000 | -o);
    }
    return v;
}

int g_sms = 0;

// ================================================================== embedding
void test_embed(const char *name, int V, int H, int n, bool decode) {
    Rng g(name);
    auto emb = randn(g, size_t(V) * H, 1.0);
    std::vector<int> ids(n);
    for (int i = 0; i < n; ++i) ids[i] = i == 0 ? V - 1 : i == 1 ? 0 : g.below(V);
    Dev<uint16_t> d_emb(emb), d_x(size_t(n) * H);
    Dev<int> d_ids(ids);
    Dev<k::StepParams> d_p(1);
    d_p.put({k::StepParams{ids[0], 123, 0}});
    d_x.poison();
    if (decode)
        k::embed_kernel<<<1, 128>>>(nullptr, d_p.p, d_emb.b(), d_x.b(), H);
    else
        k::embed_kernel<<<n, 128>>>(d_ids.p, nullptr, d_emb.b(), d_x.b(), H);
    SYNC();
    auto x = d_x.get();
    Check c(std::string("embed ") + name, Check::EXACT);
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < H; ++j) {
            const uint16_t got = x[size_t(i) * H + j];
            c.add_exact(decode && i > 0 ? got == 0xffff : got == emb[size_t(ids[i]) * H + j]);
        }
    c.done();
}

// ================================================================== GEMV (decode)
template <int MODE> int gemv_grid(int N, int K) {  // as CudaBackend::gemv: occupancy-sized, capped by the rows
    int per_sm = 0;
    CK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, k::gemv_kernel<MODE>, 256, size_t(K) * 2));
    const int rows_per_block = 8 * (MODE == k::GEMV_SWIGLU ? 2 : 1);
    return std::min(std::max(1, per_sm) * g_sms, (N + rows_per_block - 1) / rows_per_block);
}

struct GemvOpts {
    bool prologue = false;  // resid + post-norm(delta) folded in (else plain input x)
    bool final_norm = false;
    bool argmax = false;    // GEMV_F32 only
    int grid = 0;           // 0: as the backend sizes it
    bool vec = false;       // v7 prologue (16-byte loads); the backend's default unless OLMO_CUDA_OLD=prologue
    bool packed = false;    // v11: W from its packed copy (pack_tiles_kernel), also bit-equal to row-major
};

// N output rows (2 * groups for SWIGLU: gate and up interleaved row by row), K inputs.
template <int MODE> void test_gemv(const std::string &name, int N, int K, GemvOpts o) {
    const char *mode = MODE == k::GEMV_BF16 ? "gemv_bf16" : MODE == k::GEMV_SWIGLU ? "gemv_swiglu" : "gemv_f32";
    const std::string tag = std::string(mode) + " " + name + " N=" + std::to_string(N) + " K=" + std::to_string(K) +
                            (o.vec ? " vec" : "") + (o.packed ? " packed" : "");
    Rng g(tag);
    auto W = randn(g, size_t(N) * K, 0.02);
    auto x = randn(g, K, 1.0), resid = randn(g, K, 1.0), delta = randn(g, K, 1.0);
    auto wd = norm_weight(g, K), wf = norm_weight(g, K);
    const int outs = MODE == k::GEMV_SWIGLU ? N / 2 : N;
    const size_t osz = MODE == k::GEMV_F32 ? 4 : 2;
    const int grid = o.grid ? o.grid : gemv_grid<MODE>(N, K);

    Dev<uint16_t> d_W(W), d_x(x), d_resid(resid), d_delta(delta), d_wd(wd), d_wf(wf), d_rout(K), d_rout2(K);
    Dev<uint8_t> d_out(size_t(outs) * osz);
    Dev<float> d_pval(grid);
    Dev<int> d_pidx(grid), d_next(1);
    Dev<unsigned> d_counter(1);
    d_counter.zero();
    k::GemvIn in{};
    in.eps = kEps;
    in.vec = o.vec;
    if (o.prologue) {
        in.resid = d_resid.b(); in.delta = d_delta.b(); in.w_delta = d_wd.b(); in.resid_out = d_rout.b();
        if (o.final_norm) in.w_final = d_wf.b();
    } else {
        in.x = d_x.b();
    }
    if (o.argmax) { in.part_val = d_pval.p; in.part_idx = d_pidx.p; in.counter = d_counter.p; in.next = d_next.p; }
    // v11: the packed copy of a matrix, as the backend makes it
    auto packed_copy = [](const Dev<uint16_t> &w, int rows, int cols) {
        auto p = std::make_unique<Dev<uint16_t>>(k::packed_elems(rows, cols));
        p->poison();
        k::pack_tiles_kernel<<<256, 256>>>(w.b(), rows, cols, p->b());
        SYNC();
        return p;
    };
    const auto d_P = o.packed ? packed_copy(d_W, N, K) : nullptr;
    auto run = [&](bool pk) {
        d_out.poison(); d_rout.poison(); d_pval.poison(); d_pidx.poison(); d_next.poison();
        if (pk) k::gemv_kernel<MODE, true><<<grid, 256, size_t(K) * 2>>>(d_P->b(), N, K, in, d_out.p);
        else k::gemv_kernel<MODE><<<grid, 256, size_t(K) * 2>>>(d_W.b(), N, K, in, d_out.p);
        SYNC();
    };
    if (o.packed) {  // the same loads per lane in another layout: the row-major kernel's bytes exactly
        run(false);
        const auto rm = d_out.get();
        run(true);
        const auto pk = d_out.get();
        Check c(tag + ": bit-equal to the row-major GEMV", Check::EXACT);
        for (size_t i = 0; i < rm.size(); ++i) c.add_exact(rm[i] == pk[i]);
        c.done();
    } else {
        run(false);
    }
    const auto outb = d_out.get();

    // The GEMV's input vector u (after the prologue) as the kernel holds it in shared memory.
    std::vector<uint16_t> rout = d_rout.get();
    if (o.prologue) {
        Check c(tag + ": resid_out", Check::BF16);
        const auto ex = residual_norm_expect(resid.data(), delta.data(), wd.data(), K);
        for (int i = 0; i < K; ++i) c.add_bf16(rout[i], ex[i]);
        c.done();
    }
    std::vector<float> u = to_f32(o.prologue ? rout : x);
    if (MODE != k::GEMV_SWIGLU) {
        // Observe u through the same kernel with W = identity (out[i] = 1 * u[i] exactly).
        std::vector<uint16_t> eye(size_t(K) * K, 0);
        for (int i = 0; i < K; ++i) eye[size_t(i) * K + i] = 0x3f80;
        Dev<uint16_t> d_eye(eye);
        Dev<uint8_t> d_uo(size_t(K) * osz);
        k::GemvIn in2 = in;
        in2.resid_out = o.prologue ? d_rout2.b() : nullptr;
        in2.next = nullptr;
        d_uo.poison(); d_rout2.poison();
        if (o.packed)
            k::gemv_kernel<MODE, true><<<gemv_grid<MODE>(K, K), 256, size_t(K) * 2>>>(packed_copy(d_eye, K, K)->b(), K,
                                                                                     K, in2, d_uo.p);
        else
            k::gemv_kernel<MODE><<<gemv_grid<MODE>(K, K), 256, size_t(K) * 2>>>(d_eye.b(), K, K, in2, d_uo.p);
        SYNC();
        const auto uo = d_uo.get();
        std::vector<float> seen(K);
        for (int i = 0; i < K; ++i) {
            if (MODE == k::GEMV_F32) std::memcpy(&seen[i], &uo[size_t(i) * 4], 4);
            else seen[i] = bf2f(uint16_t(uo[2 * i] | (uo[2 * i + 1] << 8)));
        }
        if (o.final_norm) {
            Check c(tag + ": final-norm input (identity W)", Check::BF16);
            const auto ex = norm_expect(rout.data(), wf.data(), K);
            for (int i = 0; i < K; ++i)  // an FP32 value that is not a bf16 fails as NaN
                c.add_bf16(bf2f(f2bf(seen[i])) == seen[i] ? f2bf(seen[i]) : uint16_t(0xffff), ex[i]);
            c.done();
            u = seen;
        } else {
            Check c(tag + ": input vector (identity W)", Check::EXACT);
            for (int i = 0; i < K; ++i) c.add_exact(seen[i] == u[i]);
            c.done();
        }
        if (o.prologue) {
            const auto rout2 = d_rout2.get();
            Check c(tag + ": resid_out reproducible", Check::EXACT);
            for (int i = 0; i < K; ++i) c.add_exact(rout2[i] == rout[i]);
            c.done();
        }
    }

    // The output against the reference from u.
    std::vector<float> outf(outs);
    Check c(tag + ": out", MODE == k::GEMV_F32 ? Check::F32 : Check::BF16);
    for (int j = 0; j < outs; ++j) {
        if (MODE == k::GEMV_SWIGLU) {
            double ag, au;
            const double gate = dot_ref(&W[size_t(2 * j) * K], u.data(), K, ag);
            const double up = dot_ref(&W[size_t(2 * j + 1) * K], u.data(), K, au);
            c.add_bf16(uint16_t(outb[2 * j] | (outb[2 * j + 1] << 8)), swiglu_expect(gate, kDotWin * ag, up, kDotWin * au));
        } else {
            double a;
            const double r = dot_ref(&W[size_t(j) * K], u.data(), K, a);
            const Expect e = window(r, kDotWin * a);
            if (MODE == k::GEMV_F32) {
                std::memcpy(&outf[j], &outb[size_t(j) * 4], 4);
                c.add_f32(outf[j], e);
            } else {
                c.add_bf16(uint16_t(outb[2 * j] | (outb[2 * j + 1] << 8)), e);
            }
        }
    }
    c.done();

    if (o.argmax) {
        auto first_max = [](const std::vector<float> &v) {
            return int(std::max_element(v.begin(), v.end()) - v.begin());  // first of equal maxima
        };
        const int want = first_max(outf), got = d_next.get()[0];
        const unsigned cnt = d_counter.get()[0];
        expect_true(tag + ": fused argmax", got == want && cnt == 0,
                    "argmax " + std::to_string(got) + ", CPU argmax of the kernel's logits " + std::to_string(want) +
                        ", counter after " + std::to_string(cnt));
        // Ties: copy the winning row to a lower and a higher row; the first index must win.
        const int a = want, lo = a / 2, hi = a + (N - a) / 2;
        for (int r : {lo, hi})
            if (r != a) CK(cudaMemcpy(d_W.p + size_t(r) * K, d_W.p + size_t(a) * K, size_t(K) * 2, cudaMemcpyDeviceToDevice));
        if (o.packed) {
            k::pack_tiles_kernel<<<256, 256>>>(d_W.b(), N, K, d_P->b());
            SYNC();
        }
        run(o.packed);
        const auto ob = d_out.get();
        std::vector<float> of(outs);
        std::memcpy(of.data(), ob.data(), size_t(outs) * 4);
        const int want2 = first_max(of), got2 = d_next.get()[0];
        const bool tied = of[lo] == of[a] && of[hi] == of[a];
        expect_true(tag + ": fused argmax, tie", got2 == want2 && tied && d_counter.get()[0] == 0,
                    "rows " + std::to_string(lo) + "," + std::to_string(a) + "," + std::to_string(hi) +
                        (tied ? " tie" : " NOT tied") + ": argmax " + std::to_string(got2) + ", expected " +
                        std::to_string(want2));
    }
}

// ================================================================== argmax_kernel
void test_argmax(const char *name, std::vector<float> v) {
    Dev<float> d_v(v);
    Dev<int> d_out(1);
    d_out.poison();
    k::argmax_kernel<<<1, 1024>>>(d_v.p, int(v.size()), d_out.p);
    SYNC();
    const int want = int(std::max_element(v.begin(), v.end()) - v.begin()), got = d_out.get()[0];
    expect_true(std::string("argmax ") + name + " n=" + std::to_string(v.size()), got == want,
                "got " + std::to_string(got) + ", expected " + std::to_string(want));
}
void test_argmax_all() {
    Rng g("argmax");
    std::vector<float> v(100352);
    for (auto &x : v) x = float(g.normal() * 3);
    test_argmax("random (vocab 100352)", v);
    const int m = int(std::max_element(v.begin(), v.end()) - v.begin());
    v[777] = v[m];
    v[99999] = v[m];
    test_argmax("tie of three", v);
    v.back() = v[m] + 1;
    test_argmax("max at last index", v);
    v[0] = v[m] + 2;
    test_argmax("max at index 0", v);
    test_argmax("all equal", std::vector<float>(5000, -1.5f));
    test_argmax("single", std::vector<float>(1, 0.25f));
    test_argmax("seven", {1, 3, -2, 3, 0, 2, 3});
}

// ================================================================== rownorm_kernel (prefill)
void test_rownorm(const char *name, int mode, int n, int H, bool last_row_only) {
    const std::string tag = std::string("rownorm mode ") + std::to_string(mode) + " " + name + " n=" + std::to_string(n) +
                            " H=" + std::to_string(H);
    Rng g(tag);
    auto x = randn(g, size_t(n) * H, 1.0), a = randn(g, size_t(n) * H, 1.0), w = norm_weight(g, H);
    Dev<uint16_t> d_x(x), d_a(a), d_w(w), d_y(size_t(n) * H);
    d_y.poison();
    if (last_row_only)  // as the backend's decode-less prefill: final norm of the last row only
        k::rownorm_kernel<<<1, 256>>>(d_x.b() + size_t(n - 1) * H, nullptr, d_w.b(), H, kEps, 1, d_y.b() + size_t(n - 1) * H);
    else
        k::rownorm_kernel<<<n, 256>>>(d_x.b(), mode == 0 ? d_a.b() : nullptr, d_w.b(), H, kEps, mode, mode == 1 ? d_y.b() : nullptr);
    SYNC();
    const auto got = mode == 0 ? d_x.get() : d_y.get();
    Check c(tag + (last_row_only ? " (last row)" : ""), Check::BF16);
    Check untouched(tag + ": rows not to be written", Check::EXACT);
    for (int i = 0; i < n; ++i) {
        const size_t off = size_t(i) * H;
        if (last_row_only && i != n - 1) {
            for (int j = 0; j < H; ++j) untouched.add_exact(got[off + j] == 0xffff);
            continue;
        }
        const auto ex = mode == 0 ? residual_norm_expect(&x[off], &a[off], w.data(), H) : norm_expect(&x[off], w.data(), H);
        for (int j = 0; j < H; ++j) c.add_bf16(got[off + j], ex[j]);
    }
    c.done();
    if (last_row_only) untouched.done();
}

// ================================================================== GEMM (prefill)
// C[M, N] = A[M, K] B[N, K]^T. Large shapes check every column of some rows and every row of some
// columns (tile edges included), and that every output element was written.
// split > 0: the batched-decode GEMM (gemm_decode_kernel with `split` K ranges, then
// gemm_splitk_reduce_kernel when split > 1); its FP32 epilogue writes row r to row M-1-r (a row map,
// as the logits of a batched step go to their slots' rows).
// bm > 0 (split 0): the v7 prefill GEMM gemm_tc_kernel with block tiles of bm rows; bm == 0: gemm_kernel.
// split > 0: bm == 32 runs the decode GEMM with v6 tiles (K 32, 8 stages), else v7's (K 64, 5 stages).
// wg > 0 (v10): gemm_wg_kernel on a packed copy of B with wg weight rows per block, as the backend
// launches it: split > 0 the batched decode (64 x 64 tiles, one warpgroup up to 64 rows, else two),
// split 0 the prefill (two warpgroups, 128 rows).
// The wgmma kernel with OV (v12: 1, one k-tile's MMAs in flight, as the backend runs it; v10: 0).
// deep (v14): the batched decode's <64, WDEEP, 1> (grids of at most one block per SM, up to 64 rows).
template <int OV, int EPI>
void launch_wg(int wg, int split, int M, int N, int K, int S, int klen, const uint16_t *A, const bf16 *P, float *ws,
               void *C, const k::StepParams *map, bool deep) {
    const bf16 *a = reinterpret_cast<const bf16 *>(A);
    if (deep && M > 64) {
        std::printf("launch_wg: the deep configuration takes at most 64 rows, not %d\n", M);
        std::exit(2);
    }
    if (deep)
        k::gemm_wg_kernel<EPI, 64, k::WDEEP, 1, OV><<<dim3(1, (N + 63) / 64, S), 128, k::gemm_wg_smem<64, k::WDEEP, 1>()>>>(
            a, P, M, N, K, klen, ws, C, map);
    else if (split && M <= 64)
        k::gemm_wg_kernel<EPI, 64, k::WDST, 1, OV><<<dim3(1, (N + 63) / 64, S), 128, k::gemm_wg_smem<64, k::WDST, 1>()>>>(
            a, P, M, N, K, klen, ws, C, map);
    else if (wg == 64)
        k::gemm_wg_kernel<EPI, 64, k::WDST, 2, OV><<<dim3((M + 127) / 128, (N + 63) / 64, S), 256,
                                                     k::gemm_wg_smem<64, k::WDST, 2>()>>>(a, P, M, N, K, klen, ws, C, map);
    else
        k::gemm_wg_kernel<EPI, 128, k::WPST128, 2, OV><<<dim3((M + 127) / 128, (N + 127) / 128, S), 256,
                                                         k::gemm_wg_smem<128, k::WPST128, 2>()>>>(a, P, M, N, K, klen, ws,
                                                                                                  C, map);
}
template <int EPI>
void test_gemm(const std::string &name, int M, int N, int K, int split = 0, int bm = 0, int bk = 32, int wg = 0,
               bool deep = false) {
    const char *epi = EPI == k::EPI_BF16 ? "gemm_bf16" : EPI == k::EPI_SWIGLU ? "gemm_swiglu" : "gemm_f32";
    const std::string tag = std::string(wg ? "wgmma" + std::to_string(wg) + (deep ? " decode deep " : split ? " decode " : " ")
                                        : split ? (bm == 32 ? "decode(v6) " : "decode ")
                                        : bm ? "tc" + std::to_string(bm) + (bk == 64 ? "/bk64 " : " ") : "") +
                            epi + " " +
                            name + " M=" + std::to_string(M) +
                            " N=" + std::to_string(N) + " K=" + std::to_string(K) +
                            (split ? " S=" + std::to_string(split) : "");
    Rng g(tag);
    auto A = randn(g, size_t(M) * K, 1.0), B = randn(g, size_t(N) * K, 0.02);
    const int cols = EPI == k::EPI_SWIGLU ? N / 2 : N;
    const size_t osz = EPI == k::EPI_F32 ? 4 : 2;
    Dev<uint16_t> d_A(A), d_B(B);
    const size_t guard = 64;  // poisoned bytes past the last row: a store beyond the output shows there
    Dev<uint8_t> d_C(size_t(M) * cols * osz + guard);
    d_C.poison();
    if (wg) {
        Dev<uint16_t> d_P(k::packed_elems(N, K));
        d_P.poison();
        k::pack_tiles_kernel<<<256, 256>>>(d_B.b(), N, K, reinterpret_cast<bf16 *>(d_P.p));
        CK(k::allow_gemm_wg_smem(optin_smem()));
        const bf16 *P = reinterpret_cast<const bf16 *>(d_P.p);
        std::vector<k::StepParams> rows(M);
        for (int r = 0; r < M; ++r) rows[r] = k::StepParams{0, 0, M - 1 - r};
        Dev<k::StepParams> d_rows(rows);
        const int S = std::max(split, 1), ktiles = (K + k::WBK - 1) / k::WBK, klen = ((ktiles + S - 1) / S) * k::WBK;
        Dev<float> d_ws(size_t(S) * M * N);
        d_ws.poison();
        const k::StepParams *map = split && EPI == k::EPI_F32 ? d_rows.p : nullptr;
        // v12's kernel (OV 1), then v10's (OV 0) on the same inputs: the same MMAs in the same order,
        // so the outputs must be bit-identical
        Dev<uint8_t> d_C0(size_t(M) * cols * osz + guard);
        d_C0.poison();
        for (int ov : {1, 0}) {
            void *C = ov ? d_C.p : d_C0.p;
            if (ov) launch_wg<1, EPI>(wg, split, M, N, K, S, klen, d_A.p, P, d_ws.p, C, map, deep);
            else launch_wg<0, EPI>(wg, split, M, N, K, S, klen, d_A.p, P, d_ws.p, C, map, deep);
            if (S > 1) {
                const int items = M * ((N + 1) / 2);
                k::gemm_splitk_reduce_kernel<EPI><<<(items + 255) / 256, 256>>>(d_ws.p, S, M, N, C, map);
            }
            SYNC();
        }
        const auto c1 = d_C.get(), c0 = d_C0.get();
        expect_true(tag + ": OV 1 == OV 0 (v10), bit for bit", c1 == c0, c1 == c0 ? "identical" : "differ");
        if (deep) {  // batch invariance: a row's result must not depend on which configuration the step took
            Dev<uint8_t> d_C6(size_t(M) * cols * osz + guard);
            d_C6.poison();
            launch_wg<1, EPI>(wg, split, M, N, K, S, klen, d_A.p, P, d_ws.p, d_C6.p, map, false);
            if (S > 1) {
                const int items = M * ((N + 1) / 2);
                k::gemm_splitk_reduce_kernel<EPI><<<(items + 255) / 256, 256>>>(d_ws.p, S, M, N, d_C6.p, map);
            }
            SYNC();
            const auto c6 = d_C6.get();
            expect_true(tag + ": 12 stages == 6 stages, bit for bit", c1 == c6, c1 == c6 ? "identical" : "differ");
        }
    } else if (split == 0 && bm && bk == 64) {  // v9 tiles
        CK(k::allow_gemm_tc_smem(optin_smem()));
        dim3 grid((N + k::GBN - 1) / k::GBN, (M + bm - 1) / bm);
        if (bm == 128)
            k::gemm_tc_kernel<EPI, 128, k::GBK9, k::GST9><<<grid, 256, k::gemm_tc_smem(128, k::GBK9, k::GST9)>>>(
                d_A.b(), d_B.b(), M, N, K, d_C.p);
        else
            k::gemm_tc_kernel<EPI, 64, k::GBK9, k::GST9><<<grid, 256, k::gemm_tc_smem(64, k::GBK9, k::GST9)>>>(
                d_A.b(), d_B.b(), M, N, K, d_C.p);
    } else if (split == 0 && bm == 128) {
        CK(k::allow_gemm_tc_smem(optin_smem()));
        dim3 grid((N + k::GBN - 1) / k::GBN, (M + 127) / 128);
        k::gemm_tc_kernel<EPI, 128><<<grid, 256, k::gemm_tc_smem(128)>>>(d_A.b(), d_B.b(), M, N, K, d_C.p);
    } else if (split == 0 && bm == 64) {
        CK(k::allow_gemm_tc_smem(optin_smem()));
        dim3 grid((N + k::GBN - 1) / k::GBN, (M + 63) / 64);
        k::gemm_tc_kernel<EPI, 64><<<grid, 256, k::gemm_tc_smem(64)>>>(d_A.b(), d_B.b(), M, N, K, d_C.p);
    } else if (split == 0) {
        dim3 grid((N + k::GBN - 1) / k::GBN, (M + k::GBM - 1) / k::GBM);
        k::gemm_kernel<EPI><<<grid, 256>>>(d_A.b(), d_B.b(), M, N, K, d_C.p);
    } else {
        std::vector<k::StepParams> rows(M);
        for (int r = 0; r < M; ++r) rows[r] = k::StepParams{0, 0, M - 1 - r};
        Dev<k::StepParams> d_rows(rows);
        Dev<float> d_ws(size_t(split) * M * N);
        d_ws.poison();
        const int bk = bm == 32 ? k::DBK_V6 : k::DBK;
        const int ktiles = (K + bk - 1) / bk, klen = ((ktiles + split - 1) / split) * bk;
        dim3 grid((M + k::DBM - 1) / k::DBM, (N + k::DBN - 1) / k::DBN, split);
        const k::StepParams *map = EPI == k::EPI_F32 ? d_rows.p : nullptr;
        CK(k::allow_gemm_decode_smem());
        if (bm == 32)
            k::gemm_decode_kernel<EPI, k::DBK_V6, k::DST_V6><<<grid, 128, k::kGemmDecodeSmemV6>>>(
                d_A.b(), d_B.b(), M, N, K, klen, d_ws.p, d_C.p, map);
        else
            k::gemm_decode_kernel<EPI><<<grid, 128, k::kGemmDecodeSmem>>>(d_A.b(), d_B.b(), M, N, K, klen, d_ws.p, d_C.p, map);
        if (split > 1) {
            const int items = M * ((N + 1) / 2);
            k::gemm_splitk_reduce_kernel<EPI><<<(items + 255) / 256, 256>>>(d_ws.p, split, M, N, d_C.p, map);
        }
        SYNC();
    }
    SYNC();
    const auto C = d_C.get();
    const bool full = double(M) * cols * K * (EPI == k::EPI_SWIGLU ? 2 : 1) <= 1.5e9;
    std::vector<char> rsel(M, full), csel(cols, full);
    if (!full) {
        for (int r : {0, 1, 7, 8, 15, 16, 63, 64, 127, 128, 255, 256, M - 2, M - 1})
            if (r >= 0 && r < M) rsel[r] = 1;
        for (int i = 0; i < 6; ++i) rsel[g.below(M)] = 1;
        for (int cc : {0, 1, 2, 3, 7, 8, 31, 32, 63, 64, 127, 128, 129, 255, 256, cols - 2, cols - 1})
            if (cc >= 0 && cc < cols) csel[cc] = 1;
        for (int i = 0; i < 6; ++i) csel[g.below(cols)] = 1;
    }
    std::vector<float> arow(K);
    Check c(tag + (full ? "" : " (sampled rows+cols)"), EPI == k::EPI_F32 ? Check::F32 : Check::BF16);
    long unwritten = 0;
    for (int r = 0; r < M; ++r) {
        for (int j = 0; j < K; ++j) arow[j] = bf2f(A[size_t(r) * K + j]);
        const int orow = split && EPI == k::EPI_F32 ? M - 1 - r : r;  // the decode GEMM's row map
        for (int cc = 0; cc < cols; ++cc) {
            const size_t idx = size_t(orow) * cols + cc;
            float gf = 0;
            uint16_t gb = 0;
            if (EPI == k::EPI_F32) std::memcpy(&gf, &C[idx * 4], 4);
            else gb = uint16_t(C[idx * 2] | (C[idx * 2 + 1] << 8));
            if (EPI == k::EPI_F32 ? !std::isfinite(gf) : is_nan_bits(gb)) ++unwritten;
            if (!rsel[r] && !csel[cc]) continue;
            if (EPI == k::EPI_SWIGLU) {
                double ag, au;
                const double gate = dot_ref(&B[size_t(2 * cc) * K], arow.data(), K, ag);
                const double up = dot_ref(&B[size_t(2 * cc + 1) * K], arow.data(), K, au);
                c.add_bf16(gb, swiglu_expect(gate, kMmaWin * ag, up, kMmaWin * au));
            } else {
                double a;
                const double r = dot_ref(&B[size_t(cc) * K], arow.data(), K, a);
                const Expect e = window(r, kMmaWin * a);
                if (EPI == k::EPI_F32) c.add_f32(gf, e);
                else c.add_bf16(gb, e);
            }
        }
    }
    c.done();
    expect_true(tag + ": every output written", unwritten == 0, std::to_string(unwritten) + " NaN/inf of " +
                                                                    std::to_string(size_t(M) * cols));
    long clobbered = 0;
    for (size_t i = size_t(M) * cols * osz; i < C.size(); ++i) clobbered += C[i] != 0xff;
    expect_true(tag + ": nothing written past the output", clobbered == 0, std::to_string(clobbered) + " bytes");
}

// ================================================================== batched decode, v7: partials + fused norm
// gemm_decode_kernel with C == nullptr writes FP32 partials ws[z][M][N] for every split (S == 1 too):
// their sum in split order against the reference dot product.
void test_gemm_partials(const std::string &name, int M, int N, int K, int split) {
    const std::string tag = "decode gemm partials " + name + " M=" + std::to_string(M) + " N=" + std::to_string(N) +
                            " K=" + std::to_string(K) + " S=" + std::to_string(split);
    Rng g(tag);
    auto A = randn(g, size_t(M) * K, 1.0), B = randn(g, size_t(N) * K, 0.02);
    Dev<uint16_t> d_A(A), d_B(B);
    Dev<float> d_ws(size_t(split) * M * N + 16);
    d_ws.poison();
    const int ktiles = (K + k::DBK - 1) / k::DBK, klen = ((ktiles + split - 1) / split) * k::DBK;
    dim3 grid((M + k::DBM - 1) / k::DBM, (N + k::DBN - 1) / k::DBN, split);
    CK(k::allow_gemm_decode_smem());
    k::gemm_decode_kernel<k::EPI_BF16><<<grid, 128, k::kGemmDecodeSmem>>>(d_A.b(), d_B.b(), M, N, K, klen, d_ws.p,
                                                                           nullptr, nullptr);
    SYNC();
    const auto ws = d_ws.get();
    std::vector<float> arow(K);
    Check c(tag, Check::F32);
    for (int r = 0; r < M; ++r) {
        for (int j = 0; j < K; ++j) arow[j] = bf2f(A[size_t(r) * K + j]);
        for (int cc = 0; cc < N; ++cc) {
            float v = 0.f;
            for (int z = 0; z < split; ++z) v += ws[(size_t(z) * M + r) * N + cc];
            double a;
            const double ref = dot_ref(&B[size_t(cc) * K], arow.data(), K, a);
            c.add_f32(v, window(ref, kMmaWin * a));
        }
    }
    c.done();
    long clobbered = 0;
    for (size_t i = size_t(split) * M * N; i < ws.size(); ++i) clobbered += !std::isnan(ws[i]);
    expect_true(tag + ": nothing written past the partials", clobbered == 0, std::to_string(clobbered) + " floats");
}

// splitk_norm_residual_kernel from random FP32 partials: a = bf16(sum in split order) is exact on the
// host (same FP32 additions), then x += post-norm(a) as rownorm mode 0 and, with a final norm,
// y = final norm of the x the kernel wrote (the exposed intermediate) as rownorm mode 1.
void test_splitk_norm(const std::string &name, int M, int N, int S, bool final_norm) {
    const std::string tag = "splitk_norm_residual " + name + " M=" + std::to_string(M) + " N=" + std::to_string(N) +
                            " S=" + std::to_string(S) + (final_norm ? " +final" : "");
    Rng g(tag);
    std::vector<float> ws(size_t(S) * M * N);
    for (auto &v : ws) v = float(g.normal() * 0.7);
    auto x = randn(g, size_t(M) * N, 1.0), w = norm_weight(g, N), wf = norm_weight(g, N);
    Dev<float> d_ws(ws);
    Dev<uint16_t> d_x(x), d_w(w), d_wf(wf), d_y(size_t(M) * N);
    d_y.poison();
    k::splitk_norm_residual_kernel<<<M, k::kSplitkNormThreads, size_t(N) * 4>>>(d_ws.p, S, M, N, d_x.b(), d_w.b(),
                                                              final_norm ? d_wf.b() : nullptr, kEps, d_y.b());
    SYNC();
    const auto gx = d_x.get(), gy = d_y.get();
    Check cx(tag + ": x", Check::BF16), cy(tag + ": y (final norm)", Check::BF16);
    Check untouched(tag + ": y untouched without final norm", Check::EXACT);
    std::vector<uint16_t> a(N);
    for (int r = 0; r < M; ++r) {
        const size_t off = size_t(r) * N;
        for (int cc = 0; cc < N; ++cc) {
            float v = 0.f;
            for (int z = 0; z < S; ++z) v += ws[(size_t(z) * M + r) * N + cc];
            a[cc] = f2bf(v);
        }
        const auto ex = residual_norm_expect(&x[off], a.data(), w.data(), N);
        for (int cc = 0; cc < N; ++cc) cx.add_bf16(gx[off + cc], ex[cc]);
        if (final_norm) {
            const auto ey = norm_expect(&gx[off], wf.data(), N);
            for (int cc = 0; cc < N; ++cc) cy.add_bf16(gy[off + cc], ey[cc]);
        } else {
            for (int cc = 0; cc < N; ++cc) untouched.add_exact(gy[off + cc] == 0xffff);
        }
    }
    cx.done();
    if (final_norm) cy.done();
    else untouched.done();
}

// The fused post-norm's GemmExtra (v19): x += post-norm(partials) with weight w (+ y = final norm, w_final).
k::GemmExtra norm_extra(unsigned *bar, bf16 *x, bf16 *y, const bf16 *w, const bf16 *w_final) {
    k::GemmExtra ex{};
    ex.bar = bar;
    ex.x = x;
    ex.y = y;
    ex.w = w;
    ex.w_final = w_final;
    ex.eps = kEps;
    return ex;
}

// v18/v19, the batched decode's deep wgmma GEMM with GemmExtra, against the same GEMM without it:
//  - norm: partials, grid barrier, then each row's split-K sum + post-norm + residual (+ final norm) in
//    the GEMM must give splitk_norm_residual_kernel's bits (same row function, same block size); run
//    `reps` times in a row (the barrier resets itself: its count back at 0, its generation at reps);
//  - evict_first: the weights' L2 evict-first policy leaves the GEMM's output unchanged, bit for bit;
//    so does v21's L2 prefetch of a next GEMM's weights (here its own packed weights, 4 tiles a block).
template <int OV = 1>
void test_gemm_extra(const std::string &name, int M, int N, int K, int S, bool norm, bool final_norm, int reps) {
    const std::string tag = "wgmma decode deep + extra " + name + " M=" + std::to_string(M) + " N=" + std::to_string(N) +
                            " K=" + std::to_string(K) + " S=" + std::to_string(S) +
                            (norm ? final_norm ? " fused norm +final" : " fused norm" : " evict-first");
    int sms = 0;
    CK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
    const dim3 grid(1, (N + 63) / 64, S);
    if (int(grid.y * grid.z) > sms) {
        std::printf("SKIP %s: %d blocks, the card has %d SMs (the grid barrier needs them co-resident)\n", tag.c_str(),
                    int(grid.y * grid.z), sms);
        return;
    }
    Rng g(tag);
    auto A = randn(g, size_t(M) * K, 1.0), B = randn(g, size_t(N) * K, 0.02);
    auto x = randn(g, size_t(M) * N, 1.0), w = norm_weight(g, N), wf = norm_weight(g, N);
    Dev<uint16_t> d_A(A), d_B(B), d_P(k::packed_elems(N, K)), d_w(w), d_wf(wf);
    k::pack_tiles_kernel<<<256, 256>>>(d_B.b(), N, K, d_P.b());
    CK(k::allow_gemm_wg_smem(optin_smem()));
    const int ktiles = (K + k::WBK - 1) / k::WBK, klen = ((ktiles + S - 1) / S) * k::WBK;
    const int smem = k::gemm_wg_smem<64, k::WDEEP, 1>();
    Dev<float> d_ws(size_t(S) * M * N);
    Dev<unsigned> d_bar(std::vector<unsigned>{0u, 0u});
    const k::WeightPrefetch pf{d_P.b(), (N + 63) / 64, ktiles, S, klen / k::WBK, 4, 1};
    // xt: the XT instance (v21/v22: reads ex.krot and ex.pf), as the backend launches with OLMO_CUDA_KROT/WPF
    auto run = [&](const k::GemmExtra &ex, void *C, bool xt = false) {
        if (xt)  // the backend's XT instances have OV 1 (OLMO_CUDA_OLD=wgwait refuses KROT/WPF)
            k::gemm_wg_kernel<k::EPI_BF16, 64, k::WDEEP, 1, 1, true><<<grid, 128, smem>>>(
                d_A.b(), d_P.b(), M, N, K, klen, d_ws.p, C, nullptr, ex);
        else
            k::gemm_wg_kernel<k::EPI_BF16, 64, k::WDEEP, 1, OV><<<grid, 128, smem>>>(d_A.b(), d_P.b(), M, N, K, klen,
                                                                                     d_ws.p, C, nullptr, ex);
        SYNC();
    };
    if (!norm) {  // a projection with its BF16 output (S 1) or its partials, with and without the policy
        Dev<uint16_t> d_C0(size_t(M) * N), d_C1(size_t(M) * N);
        d_C0.poison();
        d_C1.poison();
        run(k::GemmExtra{}, S == 1 ? d_C0.p : nullptr);
        const auto ws0 = d_ws.get();
        k::GemmExtra ex{};
        ex.evict_first = 1;
        ex.pf = pf;
        d_ws.poison();
        run(ex, S == 1 ? d_C1.p : nullptr, true);
        const auto ws1 = d_ws.get();
        const bool same = S == 1 ? d_C0.get() == d_C1.get() : std::memcmp(ws0.data(), ws1.data(), ws0.size() * 4) == 0;
        expect_true(tag + ": with == without, bit for bit", same, same ? "identical" : "differ");
        // v22 (krot): another summation order per block — close to the plain result, and a row's bits do
        // not depend on M (row 0 of the M-row run == the 1-row run)
        k::GemmExtra rx{};
        rx.krot = 1;
        d_C1.poison();
        d_ws.poison();
        run(rx, S == 1 ? d_C1.p : nullptr, true);
        std::vector<float> got, ref;  // row 0 .. M-1, all outputs (S == 1: BF16 values; else partials)
        if (S == 1) {
            for (uint16_t v : d_C1.get()) got.push_back(bf2f(v));
            for (uint16_t v : d_C0.get()) ref.push_back(bf2f(v));
        } else {
            got = d_ws.get();
            ref = ws0;
        }
        double worst = 0, scale = 1e-6;
        for (size_t i = 0; i < ref.size(); ++i) scale = std::max(scale, double(std::fabs(ref[i])));
        for (size_t i = 0; i < ref.size(); ++i) worst = std::max(worst, std::fabs(double(got[i]) - ref[i]) / scale);
        expect_true(tag + ": rotated k order close to the plain order", worst <= 1e-2,
                    "max |diff| / max |ref| = " + std::to_string(worst));
        if (klen / k::WBK > 1)  // another order must show somewhere in 64 x N sums (else krot was ignored)
            expect_true(tag + ": rotated k order is another order", worst > 0, "identical to the plain order");
        Dev<uint16_t> d_C2{size_t(N)};
        Dev<float> d_ws1{size_t(S) * N};
        d_C2.poison();
        d_ws1.poison();
        k::gemm_wg_kernel<k::EPI_BF16, 64, k::WDEEP, 1, 1, true><<<grid, 128, smem>>>(
            d_A.b(), d_P.b(), 1, N, K, klen, d_ws1.p, S == 1 ? d_C2.p : nullptr, nullptr, rx);
        SYNC();
        const auto one = S == 1 ? std::vector<float>() : d_ws1.get();
        const auto one_c = S == 1 ? d_C2.get() : std::vector<uint16_t>();
        // row 0 of an M-row result (bf16 C [M][N] or partials [S][M][N]) == the 1-row result
        auto row0_equal = [&](const std::vector<uint16_t> &c, const std::vector<float> &ws, int rows) {
            if (S == 1) return std::equal(one_c.begin(), one_c.end(), c.begin());
            bool eq = true;
            for (int z = 0; z < S; ++z)
                eq = eq && std::memcmp(one.data() + size_t(z) * N, ws.data() + size_t(z) * rows * N, size_t(N) * 4) == 0;
            return eq;
        };
        const bool inv = row0_equal(S == 1 ? d_C1.get() : std::vector<uint16_t>(), got, M);
        expect_true(tag + ": rotated k order, row 0 alone == row 0 of " + std::to_string(M), inv,
                    inv ? "identical" : "differ");
        // and row 0 of 65 rows, the two-warpgroup configuration the backend takes past 64 rows
        auto A65 = randn(g, size_t(65) * K, 1.0);
        std::copy(A.begin(), A.begin() + K, A65.begin());
        Dev<uint16_t> d_A65(A65), d_C65{size_t(65) * N};
        Dev<float> d_ws65{size_t(S) * 65 * N};
        d_C65.poison();
        d_ws65.poison();
        k::gemm_wg_kernel<k::EPI_BF16, 64, k::WDST, 2, 1, true><<<dim3(1, grid.y, S), 256, k::gemm_wg_smem<64, k::WDST, 2>()>>>(
            d_A65.b(), d_P.b(), 65, N, K, klen, d_ws65.p, S == 1 ? d_C65.p : nullptr, nullptr, rx);
        SYNC();
        const bool inv65 = row0_equal(S == 1 ? d_C65.get() : std::vector<uint16_t>(), S == 1 ? std::vector<float>() : d_ws65.get(), 65);
        expect_true(tag + ": rotated k order, row 0 alone == row 0 of 65 (two warpgroups)", inv65,
                    inv65 ? "identical" : "differ");
        return;
    }
    // reference: partials, then splitk_norm_residual_kernel
    Dev<uint16_t> d_xr(x), d_yr(size_t(M) * N);
    d_yr.poison();
    run(k::GemmExtra{}, nullptr);
    k::splitk_norm_residual_kernel<<<M, k::kSplitkNormThreads, size_t(N) * 4>>>(
        d_ws.p, S, M, N, d_xr.b(), d_w.b(), final_norm ? d_wf.b() : nullptr, kEps, d_yr.b());
    SYNC();
    const auto xr = d_xr.get(), yr = d_yr.get();
    bool nan_free = true;
    for (uint16_t v : xr) nan_free = nan_free && !is_nan_bits(v);
    expect_true(tag + ": reference x written", nan_free, nan_free ? "no NaN" : "NaN in x");
    for (int rep = 0; rep < reps; ++rep) {
        Dev<uint16_t> d_x(x), d_y(size_t(M) * N);
        d_y.poison();
        d_ws.poison();
        k::GemmExtra ex = norm_extra(d_bar.p, d_x.b(), d_y.b(), d_w.b(), final_norm ? d_wf.b() : nullptr);
        ex.evict_first = rep & 1;
        if (rep & 1) ex.pf = pf;  // odd runs: the XT instance with a prefetch plan (as with OLMO_CUDA_WPF)
        run(ex, nullptr, (rep & 1) != 0);
        const std::string r = " (run " + std::to_string(rep + 1) + ")";
        expect_true(tag + ": x == separate kernels, bit for bit" + r, d_x.get() == xr, "");
        expect_true(tag + ": y == separate kernels, bit for bit" + r, d_y.get() == yr, "");
    }
    const auto bar = d_bar.get();
    expect_true(tag + ": barrier reset after " + std::to_string(reps) + " runs", bar[0] == 0u && bar[1] == unsigned(reps),
                "count " + std::to_string(bar[0]) + ", generation " + std::to_string(bar[1]));
}

// v23: gemm_pair_kernel (the barrier GEMM W1 with its post-norm, then W2 over the new x, in one grid)
// against the two kernels the backend runs without it — the deep gemm_wg_kernel with the fused norm,
// then gemm_wg_kernel<EPI2> over x with one split: x and C2 bit for bit, `reps` runs in a row (the
// barrier, used twice per run, resets itself), the weights' evict-first policy on odd runs.
template <int EPI2, int DB = k::PDB>
void test_gemm_pair(const std::string &name, int M, int N1, int K1, int S, int N2, int reps) {
    const std::string tag = "wgmma decode pair DB=" + std::to_string(DB) + " " + name + " M=" + std::to_string(M) + " N1=" + std::to_string(N1) +
                            " K1=" + std::to_string(K1) + " S=" + std::to_string(S) + " N2=" + std::to_string(N2);
    const int blocks = ((N1 + 63) / 64) * S;
    if (blocks > g_sms || optin_smem() < k::gemm_pair_smem(DB) + k::kPairStaticSmem) {
        std::printf("SKIP %s: %d blocks on %d SMs, %d bytes of shared memory per block\n", tag.c_str(), blocks, g_sms,
                    optin_smem());
        return;
    }
    Rng g(tag);
    auto A = randn(g, size_t(M) * K1, 1.0), B1 = randn(g, size_t(N1) * K1, 0.02), B2 = randn(g, size_t(N2) * N1, 0.05);
    auto x = randn(g, size_t(M) * N1, 1.0), w = norm_weight(g, N1);
    Dev<uint16_t> d_A(A), d_B1(B1), d_B2(B2), d_P1(k::packed_elems(N1, K1)), d_P2(k::packed_elems(N2, N1)), d_w(w);
    k::pack_tiles_kernel<<<256, 256>>>(d_B1.b(), N1, K1, d_P1.b());
    k::pack_tiles_kernel<<<256, 256>>>(d_B2.b(), N2, N1, d_P2.b());
    CK(k::allow_gemm_wg_smem(optin_smem()));
    CK(k::allow_gemm_pair_smem(optin_smem()));
    const int ktiles = (K1 + k::WBK - 1) / k::WBK, klen = ((ktiles + S - 1) / S) * k::WBK;
    const size_t out2 = size_t(M) * (EPI2 == k::EPI_SWIGLU ? N2 / 2 : N2);
    Dev<float> d_ws(size_t(S) * M * N1);
    Dev<unsigned> d_bar(std::vector<unsigned>{0u, 0u}), d_bar_ref(std::vector<unsigned>{0u, 0u});
    // reference: the two kernels
    Dev<uint16_t> d_xr(x), d_yr(size_t(M) * N1), d_Cr(out2);
    d_Cr.poison();
    const k::GemmExtra ex = norm_extra(d_bar_ref.p, d_xr.b(), d_yr.b(), d_w.b(), nullptr);
    k::gemm_wg_kernel<k::EPI_BF16, 64, k::WDEEP, 1, 1><<<dim3(1, (N1 + 63) / 64, S), 128, k::gemm_wg_smem<64, k::WDEEP, 1>()>>>(
        d_A.b(), d_P1.b(), M, N1, K1, klen, d_ws.p, nullptr, nullptr, ex);
    k::gemm_wg_kernel<EPI2, 64, k::WDST, 1, 1><<<dim3(1, (N2 + 63) / 64, 1), 128, k::gemm_wg_smem<64, k::WDST, 1>()>>>(
        d_xr.b(), d_P2.b(), M, N2, N1, ((N1 + k::WBK - 1) / k::WBK) * k::WBK, d_ws.p, d_Cr.p, nullptr, k::GemmExtra{});
    SYNC();
    const auto xr = d_xr.get(), cr = d_Cr.get();
    bool nan_free = true;
    for (uint16_t v : cr) nan_free = nan_free && !is_nan_bits(v);
    expect_true(tag + ": reference output written", nan_free, nan_free ? "no NaN" : "NaN in C2");
    for (int rep = 0; rep < reps; ++rep) {
        Dev<uint16_t> d_x(x), d_y(size_t(M) * N1), d_C(out2);
        d_C.poison();
        d_ws.poison();
        k::GemmExtra e = norm_extra(d_bar.p, d_x.b(), d_y.b(), d_w.b(), nullptr);
        e.evict_first = rep & 1;
        k::gemm_pair_kernel<EPI2, DB><<<blocks, 128, k::gemm_pair_smem(DB)>>>(
            d_A.b(), d_P1.b(), M, N1, K1, klen, d_ws.p, e, k::PairNext{d_P2.b(), N2, d_C.p, rep & 1});
        SYNC();
        const std::string r = " (run " + std::to_string(rep + 1) + ")";
        expect_true(tag + ": x == two kernels, bit for bit" + r, d_x.get() == xr, "");
        const auto c = d_C.get();
        size_t diff = 0;
        for (size_t i = 0; i < c.size(); ++i) diff += c[i] != cr[i];
        expect_true(tag + ": C2 == two kernels, bit for bit" + r, diff == 0, std::to_string(diff) + " outputs differ");
    }
    const auto bar = d_bar.get();
    expect_true(tag + ": barrier reset after " + std::to_string(reps) + " runs",
                bar[0] == 0u && bar[1] == unsigned(2 * reps),
                "count " + std::to_string(bar[0]) + ", generation " + std::to_string(bar[1]));
}

// v21: every run of next_weight_runs lies inside the packed matrix, and a block's runs are exactly the
// first min(tiles, nk) tiles it loads (from its rotation with krot), for the plans the backend makes.
void test_weight_prefetch_plans() {
    int bad = 0, plans = 0;
    for (auto nks : std::vector<std::array<int, 3>>{{6144, 2048, 1}, {2048, 2048, 4}, {16384, 2048, 1}, {2048, 8192, 4},
                                                     {100352, 2048, 1}, {2080, 1000, 3}, {4096, 4096, 2}, {64, 40, 1},
                                                     {64, 320, 4}}) {  // the last: an empty trailing split
        const int N = nks[0], K = nks[1], S = nks[2], ntiles = (N + 63) / 64, ktiles = (K + k::WBK - 1) / k::WBK;
        const int klt = (ktiles + S - 1) / S;
        for (int tiles : {1, 4, 10, 16})
            for (int krot : {0, 1}) {
                ++plans;
                const k::WeightPrefetch pf{nullptr, ntiles, ktiles, S, klt, tiles, krot};
                for (int j = 0; j < ntiles * S; ++j) {
                    size_t first[2];
                    int count[2];
                    k::next_weight_runs(pf, j, first, count);
                    const int nt = j % ntiles, k0 = (j / ntiles) * klt, nk = std::min(klt, ktiles - k0);
                    const int want = std::max(0, std::min(tiles, nk)), rot = krot && nk > 1 ? j % nk : 0;
                    std::vector<size_t> got, exp;
                    for (int i = 0; i < 2; ++i)
                        for (int c = 0; c < count[i]; ++c) got.push_back(first[i] + c);
                    for (int i = 0; i < want; ++i) exp.push_back(size_t(nt) * ktiles + k0 + (rot + i) % nk);
                    bool ok = got == exp;
                    for (size_t t : got) ok = ok && t < size_t(ntiles) * ktiles;
                    bad += ok ? 0 : 1;
                }
            }
    }
    expect_true("next-GEMM weight prefetch plans (" + std::to_string(plans) + "): runs inside the matrix, the tiles each block loads first",
                bad == 0, std::to_string(bad) + " blocks wrong");
}

// ================================================================== attention
struct AttnShape {
    int heads, kv_heads, D, max_seq;
};
std::string shape_str(const AttnShape &s) {
    return "h" + std::to_string(s.heads) + "/kv" + std::to_string(s.kv_heads) + " D=" + std::to_string(s.D);
}
// Cache [kv_head][max_seq][D]: positions below `valid` random (k scaled by kscale), the rest poison.
std::vector<uint16_t> make_cache(Rng &g, const AttnShape &s, int valid, double scale) {
    std::vector<uint16_t> c(size_t(s.kv_heads) * s.max_seq * s.D, 0xffff);
    for (int h = 0; h < s.kv_heads; ++h)
        for (int t = 0; t < valid; ++t)
            for (int d = 0; d < s.D; ++d) c[(size_t(h) * s.max_seq + t) * s.D + d] = f2bf(float(g.normal() * scale));
    return c;
}
// softmax(scale * q.K^T) V over positions [0, len) of one kv head, in double.
// mag[d] = sum p |v_d| / sum p: the scale of the FP32 error of output d.
void attend(const double *q, int D, double scale, const uint16_t *kh, const uint16_t *vh, int len, std::vector<double> &o,
            std::vector<double> &mag) {
    std::vector<double> s(len);
    double m = -INFINITY;
    for (int t = 0; t < len; ++t) {
        double a = 0;
        for (int d = 0; d < D; ++d) a += q[d] * bf2f(kh[size_t(t) * D + d]);
        s[t] = a * scale;
        m = std::max(m, s[t]);
    }
    o.assign(D, 0);
    mag.assign(D, 0);
    double l = 0;
    for (int t = 0; t < len; ++t) {
        const double p = std::exp(s[t] - m);
        l += p;
        for (int d = 0; d < D; ++d) {
            const double v = bf2f(vh[size_t(t) * D + d]);
            o[d] += p * v;
            mag[d] += p * std::fabs(v);
        }
    }
    for (int d = 0; d < D; ++d) o[d] /= l, mag[d] /= l;
}
int default_splits(int heads) { return std::max(1, std::min(64, (2 * g_sms + heads - 1) / heads)); }

// attn_decode_kernel (q given) or attn_decode_fused_kernel (raw qkv; q/k-norm + RoPE + KV write).
// kchunk > 0 (fused): only ceil(len / kchunk) of the S splits work, as the backend's batch-1 step runs it.
// direct (fused only): the v12 instance that writes a one-split row's output without the split combine.
template <int D>
void test_decode(const std::string &name, AttnShape s, int pos, int S, bool fused, double kscale, int kchunk,
                 bool direct) {
    const int Q = s.heads * D, KV = s.kv_heads * D, group = s.heads / s.kv_heads, len = pos + 1;
    if (S == 0) S = default_splits(s.heads);
    const std::string tag = std::string(fused ? (direct ? "attn_decode_fused<direct> " : "attn_decode_fused ")
                                              : "attn_decode ") + name + " " + shape_str(s) +
                            " len=" + std::to_string(len) + " S=" + std::to_string(S) +
                            (kchunk ? " kchunk=" + std::to_string(kchunk) : "");
    Rng g(tag);
    const float scale = 1.f / std::sqrt(float(D));
    auto kc = make_cache(g, s, fused ? pos : len, kscale), vc = make_cache(g, s, fused ? pos : len, 1.0);
    auto q = randn(g, Q, 1.0), qkv = randn(g, Q + 2 * KV, 1.0), qw = norm_weight(g, Q), kw = norm_weight(g, KV);
    const auto inv = inv_freq_table(D, kTheta);
    Dev<uint16_t> d_kc(kc), d_vc(vc), d_q(q), d_qkv(qkv), d_qw(qw), d_kw(kw), d_out(Q);
    Dev<float> d_inv(inv), d_po(size_t(s.heads) * S * D), d_pml(size_t(s.heads) * S * 2);
    Dev<unsigned> d_cnt(s.heads);
    Dev<k::StepParams> d_p(1);
    d_p.put({k::StepParams{0, pos, 0}});
    d_cnt.zero();
    d_out.poison(); d_po.poison(); d_pml.poison();
    if (fused && direct)
        k::attn_decode_fused_kernel<D, true><<<dim3(s.heads, S), 128>>>(d_qkv.b(), Q, KV, d_qw.b(), d_kw.b(), d_inv.p,
                                                                        kEps, d_kc.b(), d_vc.b(), d_p.p, s.max_seq, group,
                                                                        scale, d_po.p, d_pml.p, d_cnt.p, d_out.b(), kchunk);
    else if (fused)
        k::attn_decode_fused_kernel<D><<<dim3(s.heads, S), 128>>>(d_qkv.b(), Q, KV, d_qw.b(), d_kw.b(), d_inv.p, kEps,
                                                                  d_kc.b(), d_vc.b(), d_p.p, s.max_seq, group, scale,
                                                                  d_po.p, d_pml.p, d_cnt.p, d_out.b(), kchunk);
    else
        k::attn_decode_kernel<D><<<dim3(s.heads, S), 128>>>(d_q.b(), d_kc.b(), d_vc.b(), d_p.p, s.max_seq, group, scale,
                                                            d_po.p, d_pml.p, d_cnt.p, d_out.b());
    SYNC();
    if (fused && direct) {  // the split combine's kernel on the same inputs: bit for bit (exp(0) = 1)
        Dev<uint16_t> d_kc2(kc), d_vc2(vc), d_out2(Q);
        d_out2.poison();
        k::attn_decode_fused_kernel<D><<<dim3(s.heads, S), 128>>>(d_qkv.b(), Q, KV, d_qw.b(), d_kw.b(), d_inv.p, kEps,
                                                                  d_kc2.b(), d_vc2.b(), d_p.p, s.max_seq, group, scale,
                                                                  d_po.p, d_pml.p, d_cnt.p, d_out2.b(), kchunk);
        SYNC();
        const bool same = d_out.get() == d_out2.get() && d_kc.get() == d_kc2.get() && d_vc.get() == d_vc2.get();
        expect_true(tag + ": == the split combine, bit for bit", same, same ? "identical" : "differ");
    }
    const auto out = d_out.get(), kc2 = d_kc.get(), vc2 = d_vc.get();
    const auto cnt = d_cnt.get();
    if (fused) {  // the new position's k and v, and nothing else of the cache
        const auto kex = norm_rope_expect(&qkv[Q], kw.data(), KV, D, pos, inv);
        Check cknew(tag + ": k written at pos", Check::BF16), cv(tag + ": v at pos, rest of cache untouched", Check::EXACT);
        for (int h = 0; h < s.kv_heads; ++h)
            for (int t = 0; t < s.max_seq; ++t)
                for (int d = 0; d < D; ++d) {
                    const size_t i = (size_t(h) * s.max_seq + t) * D + d;
                    if (t == pos) {
                        cknew.add_bf16(kc2[i], kex[h * D + d]);
                        cv.add_exact(vc2[i] == qkv[Q + KV + h * D + d]);
                    } else {
                        cv.add_exact(kc2[i] == kc[i] && vc2[i] == vc[i]);
                    }
                }
        cknew.done();
        cv.done();
    } else {
        Check cu(tag + ": cache untouched", Check::EXACT);
        for (size_t i = 0; i < kc.size(); ++i) cu.add_exact(kc2[i] == kc[i] && vc2[i] == vc[i]);
        cu.done();
    }
    // Reference on the cache as the kernel left it. The fused kernel's q is internal: take the
    // nominal rotated q, and widen each output's range by the effect of every q element whose
    // rounding is ambiguous taking its other value (first order; such elements are ~1 % and each
    // moves the output by ~0.05 ulp, but near-zero outputs would otherwise see it).
    const auto qex = fused ? norm_rope_expect(qkv.data(), qw.data(), Q, D, pos, inv) : std::vector<Expect>();
    Check c(tag + ": out", Check::BF16);
    std::vector<double> qd(D), o, mag, o2, mag2;
    for (int h = 0; h < s.heads; ++h) {
        const int kvh = h / group;
        const uint16_t *kh = &kc2[size_t(kvh) * s.max_seq * D], *vh = &vc2[size_t(kvh) * s.max_seq * D];
        for (int d = 0; d < D; ++d) qd[d] = fused ? bf16r(qex[h * D + d].r) : bf2f(q[h * D + d]);
        attend(qd.data(), D, scale, kh, vh, len, o, mag);
        std::vector<double> lo(D, 0), hi(D, 0);
        for (int d = 0; fused && d < D; ++d)
            for (float alt : bf16_range(qex[h * D + d])) {
                if (alt == qd[d]) continue;
                const double keep = qd[d];
                qd[d] = alt;
                attend(qd.data(), D, scale, kh, vh, len, o2, mag2);
                qd[d] = keep;
                for (int j = 0; j < D; ++j) lo[j] += std::min(0.0, o2[j] - o[j]), hi[j] += std::max(0.0, o2[j] - o[j]);
            }
        for (int d = 0; d < D; ++d) {
            const double e = kAttnWin * (mag[d] + std::fabs(o[d]));
            c.add_bf16(out[h * D + d], {o[d], o[d] + lo[d] - e, o[d] + hi[d] + e});
        }
    }
    c.done();
    bool zero = true;
    for (unsigned x : cnt) zero = zero && x == 0;
    expect_true(tag + ": split counters reset", zero, zero ? "all 0" : "not reset");
}

// attn_decode_batch_kernel as the backend launches it (v12: <D, 8, true>; 256-key splits): rows of
// several slots at other positions (one split, two, and a first token), each row bit for bit equal to
// attn_decode_fused_kernel<D, true> on that row alone (tested against the CPU reference above), and
// to v10's instance <D, 4, false> (OLMO_CUDA_OLD=battn); the caches' new keys equal too.
template <int D> void test_decode_batch(const std::string &name, AttnShape s, const std::vector<int> &pos) {
    const int Q = s.heads * D, KV = s.kv_heads * D, group = s.heads / s.kv_heads, R = int(pos.size()), kchunk = 256;
    const std::string tag = "attn_decode_batch " + name + " " + shape_str(s) + " rows=" + std::to_string(R);
    Rng g(tag);
    const float scale = 1.f / std::sqrt(float(D));
    const size_t stride = size_t(s.kv_heads) * s.max_seq * D;  // one slot (one layer)
    std::vector<uint16_t> kc, vc;
    for (int r = 0; r < R; ++r) {  // slot of row r: R - 1 - r
        auto k1 = make_cache(g, s, s.max_seq, 1.0), v1 = make_cache(g, s, s.max_seq, 1.0);
        kc.insert(kc.end(), k1.begin(), k1.end());
        vc.insert(vc.end(), v1.begin(), v1.end());
    }
    auto qkv = randn(g, size_t(R) * (Q + 2 * KV), 1.0), qw = norm_weight(g, Q), kw = norm_weight(g, KV);
    const auto inv = inv_freq_table(D, kTheta);
    int SM = 1;
    std::vector<k::StepParams> rows(R);
    for (int r = 0; r < R; ++r) {
        rows[r] = k::StepParams{0, pos[r], R - 1 - r};
        SM = std::max(SM, (pos[r] + kchunk) / kchunk);
    }
    Dev<float> d_inv(inv), d_po(size_t(R) * s.heads * SM * D), d_pml(size_t(R) * s.heads * SM * 2);
    Dev<uint16_t> d_qkv(qkv), d_qw(qw), d_kw(kw);
    Dev<k::StepParams> d_rows(rows);
    std::vector<std::vector<uint16_t>> outs, kcs, vcs;
    Dev<uint16_t> d_pfw(size_t(k::WTILE));  // one weight tile for v21's prefetch to fetch
    // v12's instance, v10's, then session 13's variants X = 1 (v20's prologue), 2 (the L2 prefetches of
    // 64 keys and a weight tile), 3 (both)
    for (int v = 0; v < 5; ++v) {
        Dev<uint16_t> d_kc(kc), d_vc(vc), d_out(size_t(R) * Q);
        Dev<unsigned> d_cnt(size_t(R) * s.heads);
        d_cnt.zero();
        d_out.poison();
        auto kern = v == 0 ? k::attn_decode_batch_kernel<D, 8, true>
                    : v == 1 ? k::attn_decode_batch_kernel<D, 4, false>
                    : v == 2 ? k::attn_decode_batch_kernel<D, 8, true, 1>
                    : v == 3 ? k::attn_decode_batch_kernel<D, 8, true, 2>
                             : k::attn_decode_batch_kernel<D, 8, true, 3>;
        const bool pf = v >= 3;
        kern<<<dim3(s.heads, SM, R), 128>>>(d_qkv.b(), Q, KV, d_qw.b(), d_kw.b(), d_inv.p, kEps, d_kc.b(), d_vc.b(),
                                            stride, d_rows.p, s.max_seq, group, scale, kchunk, d_po.p, d_pml.p,
                                            d_cnt.p, d_out.b(), pf ? 64 : 0,
                                            pf ? k::WeightPrefetch{d_pfw.b(), 1, 1, 1, 1, 1, 0} : k::WeightPrefetch{});
        SYNC();
        outs.push_back(d_out.get());
        kcs.push_back(d_kc.get());
        vcs.push_back(d_vc.get());
    }
    const bool v10 = outs[0] == outs[1] && kcs[0] == kcs[1] && vcs[0] == vcs[1];
    expect_true(tag + ": <D, 8, direct> == v10's <D, 4>, bit for bit", v10, v10 ? "identical" : "differ");
    const char *xname[] = {"v20 prologue", "L2 prefetches (64 keys; a weight tile)", "v20 prologue + L2 prefetches"};
    for (int v = 2; v < 5; ++v) {
        const bool same = outs[0] == outs[size_t(v)] && kcs[0] == kcs[size_t(v)] && vcs[0] == vcs[size_t(v)];
        expect_true(tag + ": " + xname[v - 2] + " == v12's, bit for bit", same, same ? "identical" : "differ");
    }
    int same = 0;
    for (int r = 0; r < R; ++r) {  // row r alone through the batch-1 kernel, on its slot's cache
        const int slot = R - 1 - r;
        std::vector<uint16_t> k1(kc.begin() + slot * stride, kc.begin() + (slot + 1) * stride),
            v1(vc.begin() + slot * stride, vc.begin() + (slot + 1) * stride),
            q1(qkv.begin() + size_t(r) * (Q + 2 * KV), qkv.begin() + size_t(r + 1) * (Q + 2 * KV));
        Dev<uint16_t> d_kc(k1), d_vc(v1), d_q1(q1), d_out(Q);
        Dev<k::StepParams> d_p(1);
        d_p.put({k::StepParams{0, pos[r], 0}});
        Dev<unsigned> d_cnt(s.heads);
        d_cnt.zero();
        d_out.poison();
        k::attn_decode_fused_kernel<D, true><<<dim3(s.heads, SM), 128>>>(
            d_q1.b(), Q, KV, d_qw.b(), d_kw.b(), d_inv.p, kEps, d_kc.b(), d_vc.b(), d_p.p, s.max_seq, group, scale,
            d_po.p, d_pml.p, d_cnt.p, d_out.b(), kchunk);
        SYNC();
        const auto o = d_out.get(), kk = d_kc.get(), vv = d_vc.get();
        same += std::equal(o.begin(), o.end(), outs[0].begin() + size_t(r) * Q) &&
                std::equal(kk.begin(), kk.end(), kcs[0].begin() + slot * stride) &&
                std::equal(vv.begin(), vv.end(), vcs[0].begin() + slot * stride);
    }
    expect_true(tag + ": each row == the batch-1 kernel on it alone", same == R,
                std::to_string(same) + "/" + std::to_string(R) + " rows identical");
}

// attn_prefill_kernel: rows [0, n) of a chunk at positions pos0.., causal over the cache [0, pos0+n).
template <int D> void test_prefill(const std::string &name, AttnShape s, int n, int pos0) {
    const int Q = s.heads * D, group = s.heads / s.kv_heads, kv_len = pos0 + n;
    const std::string tag = "attn_prefill " + name + " " + shape_str(s) + " n=" + std::to_string(n) + " pos0=" +
                            std::to_string(pos0);
    Rng g(tag);
    const float scale = 1.f / std::sqrt(float(D));
    auto kc = make_cache(g, s, kv_len, 1.0), vc = make_cache(g, s, kv_len, 1.0), q = randn(g, size_t(n) * Q, 1.0);
    Dev<uint16_t> d_kc(kc), d_vc(vc), d_q(q), d_out(size_t(n) * Q);
    d_out.poison();
    k::attn_prefill_kernel<D><<<dim3((n + 63) / 64, s.heads), 128>>>(d_q.b(), d_kc.b(), d_vc.b(), n, pos0, s.max_seq, Q,
                                                                     group, scale, d_out.b(), nullptr, 0);
    SYNC();
    const auto out = d_out.get();
    // The kernel's semantics: keys in tiles of 64; p = exp(s - running max) rounded to BF16 for the
    // PV product (the sum l uses the unrounded p); earlier tiles rescaled by exp(m_old - m_new).
    // A p whose rounding is ambiguous contributes both candidates to the output's range.
    Check c(tag, Check::BF16);
    std::vector<double> sc, o(D), lo(D), hi(D), mag(D);
    for (int i = 0; i < n; ++i)
        for (int h = 0; h < s.heads; ++h) {
            const int qpos = pos0 + i, kvh = h / group;
            const uint16_t *kh = &kc[size_t(kvh) * s.max_seq * D], *vh = &vc[size_t(kvh) * s.max_seq * D];
            sc.assign(qpos + 1, 0);
            for (int t = 0; t <= qpos; ++t) {
                double a = 0;
                for (int d = 0; d < D; ++d) a += double(bf2f(q[size_t(i) * Q + h * D + d])) * bf2f(kh[size_t(t) * D + d]);
                sc[t] = a * scale;
            }
            std::vector<double> tile_max;  // running max after each tile
            double m = -INFINITY;
            for (int t0 = 0; t0 <= qpos; t0 += 64) {
                for (int t = t0; t < std::min(qpos + 1, t0 + 64); ++t) m = std::max(m, sc[t]);
                tile_max.push_back(m);
            }
            double l = 0;
            std::fill(o.begin(), o.end(), 0.0);
            std::fill(lo.begin(), lo.end(), 0.0);
            std::fill(hi.begin(), hi.end(), 0.0);
            std::fill(mag.begin(), mag.end(), 0.0);
            for (int t = 0; t <= qpos; ++t) {
                const double mt = tile_max[t / 64], p = std::exp(sc[t] - mt), f = std::exp(mt - m);
                l += p * f;
                const double pb = bf16r(p);
                double alt = pb;
                for (float cnd : cands(p, kRoundWin * p))
                    if (cnd != pb) alt = cnd;
                for (int d = 0; d < D; ++d) {
                    const double v = bf2f(vh[size_t(t) * D + d]), dv = (alt - pb) * f * v;
                    o[d] += pb * f * v;
                    mag[d] += pb * f * std::fabs(v);
                    lo[d] += std::min(0.0, dv), hi[d] += std::max(0.0, dv);
                }
            }
            for (int d = 0; d < D; ++d) {
                const double r = o[d] / l, e = kAttnWin * (mag[d] / l + std::fabs(r));
                c.add_bf16(out[size_t(i) * Q + h * D + d], {r, (o[d] + lo[d]) / l - e, (o[d] + hi[d]) / l + e});
            }
        }
    c.done();
}

// ================================================================== qknorm_rope_kernel (unfused decode, prefill)
void test_qknorm_rope(const std::string &name, AttnShape s, int n, int pos0, bool decode) {
    const int D = s.D, Q = s.heads * D, KV = s.kv_heads * D, QKV = Q + 2 * KV;
    const std::string tag = "qknorm_rope " + name + " " + shape_str(s) + " n=" + std::to_string(n) + " pos0=" +
                            std::to_string(pos0) + (decode ? " (StepParams)" : "");
    Rng g(tag);
    auto qkv = randn(g, size_t(n) * QKV, 1.0), qw = norm_weight(g, Q), kw = norm_weight(g, KV);
    auto kc = make_cache(g, s, pos0, 1.0), vc = make_cache(g, s, pos0, 1.0);
    const auto inv = inv_freq_table(D, kTheta);
    Dev<uint16_t> d_qkv(qkv), d_qw(qw), d_kw(kw), d_kc(kc), d_vc(vc), d_q(size_t(n) * Q);
    Dev<float> d_inv(inv);
    Dev<k::StepParams> d_p(1);
    d_p.put({k::StepParams{0, pos0, 0}});
    d_q.poison();
    k::qknorm_rope_kernel<<<dim3(n, 2), 256, size_t(std::max(Q, KV)) * 4>>>(
        d_qkv.b(), Q, KV, D, d_qw.b(), d_kw.b(), d_inv.p, decode ? d_p.p : nullptr, decode ? 0 : pos0, kEps, d_q.b(),
        d_kc.b(), d_vc.b(), s.max_seq, nullptr, 0);
    SYNC();
    const auto qo = d_q.get(), kc2 = d_kc.get(), vc2 = d_vc.get();
    Check cq(tag + ": q", Check::BF16), ckk(tag + ": k (cache)", Check::BF16),
        cv(tag + ": v (cache), rest of cache untouched", Check::EXACT);
    std::vector<char> written(kc.size(), 0);
    for (int i = 0; i < n; ++i) {
        const int pos = pos0 + i;
        const uint16_t *row = &qkv[size_t(i) * QKV];
        const auto qex = norm_rope_expect(row, qw.data(), Q, D, pos, inv), kex = norm_rope_expect(row + Q, kw.data(), KV, D, pos, inv);
        for (int j = 0; j < Q; ++j) cq.add_bf16(qo[size_t(i) * Q + j], qex[j]);
        for (int h = 0; h < s.kv_heads; ++h)
            for (int d = 0; d < D; ++d) {
                const size_t c = (size_t(h) * s.max_seq + pos) * D + d;
                ckk.add_bf16(kc2[c], kex[h * D + d]);
                cv.add_exact(vc2[c] == row[Q + KV + h * D + d]);
                written[c] = 1;
            }
    }
    for (size_t c = 0; c < kc.size(); ++c)
        if (!written[c]) cv.add_exact(kc2[c] == kc[c] && vc2[c] == vc[c]);
    cq.done();
    ckk.done();
    cv.done();
}

// v16, a batched prefill pass as prefill_many launches it: qknorm_rope_kernel over all rows (each at
// its own position and slot, prow) and attn_prefill_kernel over all sequences (grid z, seqs) equal,
// bit for bit, the same kernels launched once per sequence on its slot's cache (the per-sequence
// launches are checked against the CPU references above).
template <int D> void test_prefill_pass(const std::string &name, AttnShape s, const std::vector<int> &lens,
                                        const std::vector<int> &pos0) {
    const int Q = s.heads * D, KV = s.kv_heads * D, QKV = Q + 2 * KV, group = s.heads / s.kv_heads;
    const int n = int(lens.size());
    std::string tag = "prefill pass " + name + " " + shape_str(s) + " lens";
    for (int l : lens) tag += " " + std::to_string(l);
    Rng g(tag);
    const float scale = 1.f / std::sqrt(float(D));
    const size_t stride = size_t(s.kv_heads) * s.max_seq * D;  // one slot (one layer)
    std::vector<uint16_t> kc, vc;
    std::vector<k::PrefillSeq> seqs(n);
    std::vector<k::StepParams> prow;
    int T = 0, longest = 0;
    for (int i = 0; i < n; ++i) {  // slot of sequence i: n - 1 - i
        auto k1 = make_cache(g, s, pos0[n - 1 - i], 1.0), v1 = make_cache(g, s, pos0[n - 1 - i], 1.0);
        kc.insert(kc.end(), k1.begin(), k1.end());
        vc.insert(vc.end(), v1.begin(), v1.end());
        seqs[i] = k::PrefillSeq{T, lens[i], pos0[i], n - 1 - i};
        for (int j = 0; j < lens[i]; ++j) prow.push_back(k::StepParams{i, pos0[i] + j, n - 1 - i});
        T += lens[i];
        longest = std::max(longest, lens[i]);
    }
    auto qkv = randn(g, size_t(T) * QKV, 1.0), qw = norm_weight(g, Q), kw = norm_weight(g, KV);
    const auto inv = inv_freq_table(D, kTheta);
    Dev<uint16_t> d_qkv(qkv), d_qw(qw), d_kw(kw);
    Dev<float> d_inv(inv);
    std::vector<uint16_t> qs[2], outs[2], kcs[2], vcs[2];
    for (int v = 0; v < 2; ++v) {  // the pass in one launch each, then one launch each per sequence
        Dev<uint16_t> d_kc(kc), d_vc(vc), d_q(size_t(T) * Q), d_out(size_t(T) * Q);
        d_q.poison();
        d_out.poison();
        if (v == 0) {
            Dev<k::PrefillSeq> d_seqs(seqs);
            Dev<k::StepParams> d_prow(prow);
            k::qknorm_rope_kernel<<<dim3(T, 2), 256, size_t(std::max(Q, KV)) * 4>>>(
                d_qkv.b(), Q, KV, D, d_qw.b(), d_kw.b(), d_inv.p, nullptr, 0, kEps, d_q.b(), d_kc.b(), d_vc.b(),
                s.max_seq, d_prow.p, stride);
            k::attn_prefill_kernel<D><<<dim3((longest + 63) / 64, s.heads, n), 128>>>(
                d_q.b(), d_kc.b(), d_vc.b(), 0, 0, s.max_seq, Q, group, scale, d_out.b(), d_seqs.p, stride);
            SYNC();
        } else {
            for (int i = 0; i < n; ++i) {
                const size_t r0 = seqs[i].row0, so = size_t(seqs[i].slot) * stride;
                k::qknorm_rope_kernel<<<dim3(lens[i], 2), 256, size_t(std::max(Q, KV)) * 4>>>(
                    d_qkv.b() + r0 * QKV, Q, KV, D, d_qw.b(), d_kw.b(), d_inv.p, nullptr, pos0[i], kEps,
                    d_q.b() + r0 * Q, d_kc.b() + so, d_vc.b() + so, s.max_seq, nullptr, 0);
                k::attn_prefill_kernel<D><<<dim3((lens[i] + 63) / 64, s.heads), 128>>>(
                    d_q.b() + r0 * Q, d_kc.b() + so, d_vc.b() + so, lens[i], pos0[i], s.max_seq, Q, group, scale,
                    d_out.b() + r0 * Q, nullptr, 0);
            }
            SYNC();
        }
        qs[v] = d_q.get();
        outs[v] = d_out.get();
        kcs[v] = d_kc.get();
        vcs[v] = d_vc.get();
    }
    const bool q_same = qs[0] == qs[1], c_same = kcs[0] == kcs[1] && vcs[0] == vcs[1], o_same = outs[0] == outs[1];
    expect_true(tag + ": q == per sequence, bit for bit", q_same, q_same ? "identical" : "differ");
    expect_true(tag + ": caches == per sequence, bit for bit", c_same, c_same ? "identical" : "differ");
    expect_true(tag + ": attention == per sequence, bit for bit", o_same, o_same ? "identical" : "differ");
    bool written = true;  // every row's output written (a poisoned value would be NaN)
    for (uint16_t x : outs[0]) written = written && (x & 0x7f80) != 0x7f80;
    expect_true(tag + ": every output written", written, written ? "all finite" : "NaN/inf left");
}

template <class F> void by_head_dim(int D, F f) {
    switch (D) {
    case 16: f(std::integral_constant<int, 16>()); break;
    case 32: f(std::integral_constant<int, 32>()); break;
    case 64: f(std::integral_constant<int, 64>()); break;
    default: f(std::integral_constant<int, 128>()); break;
    }
}
void decode_case(const std::string &name, AttnShape s, int pos, int S, bool fused, double kscale = 1.0, int kchunk = 0,
                 bool direct = false) {
    by_head_dim(s.D, [&](auto d) { test_decode<decltype(d)::value>(name, s, pos, S, fused, kscale, kchunk, direct); });
}
void decode_batch_case(const std::string &name, AttnShape s, const std::vector<int> &pos) {
    by_head_dim(s.D, [&](auto d) { test_decode_batch<decltype(d)::value>(name, s, pos); });
}
void prefill_case(const std::string &name, AttnShape s, int n, int pos0) {
    by_head_dim(s.D, [&](auto d) { test_prefill<decltype(d)::value>(name, s, n, pos0); });
}
void prefill_pass_case(const std::string &name, AttnShape s, const std::vector<int> &lens, const std::vector<int> &pos0) {
    by_head_dim(s.D, [&](auto d) { test_prefill_pass<decltype(d)::value>(name, s, lens, pos0); });
}
}  // namespace

int main() {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
        std::printf("skipped: no CUDA device\n");
        return 77;
    }
    cudaDeviceProp prop;
    CK(cudaGetDeviceProperties(&prop, 0));
    if (prop.major < 8) {
        std::printf("skipped: %s is sm_%d%d; the kernels need sm_80 or newer\n", prop.name, prop.major, prop.minor);
        return 77;
    }
    g_sms = prop.multiProcessorCount;
    std::printf("device: %s (sm_%d%d, %d SMs)\n", prop.name, prop.major, prop.minor, g_sms);

    // OLMO_KERNEL_TESTS=attn, wgmma or norm: only the attention kernels, only the wgmma GEMMs as the
    // backend launches them, or only the batched step's split-K norm kernels (a quick check on the GPU
    // machine; the whole suite takes minutes there because its references run on the CPU)
    const char *only = std::getenv("OLMO_KERNEL_TESTS");
    if (only && std::strcmp(only, "attn") != 0 && std::strcmp(only, "wgmma") != 0 && std::strcmp(only, "norm") != 0) {
        std::printf("OLMO_KERNEL_TESTS must be attn, wgmma, norm or unset, not '%s'\n", only);
        return 2;
    }
    const bool wgmma_only = only && std::strcmp(only, "wgmma") == 0, norm_only = only && std::strcmp(only, "norm") == 0;
    // OLMo-2-1B: hidden 2048, intermediate 8192, 16 heads of 128 (no GQA), vocab 100352.
    const int H = 2048, I = 8192, V = 100352;
    if (!only) {
        test_embed("prefill V=1000 H=2048 n=37", 1000, H, 37, false);
        test_embed("decode (StepParams) V=1000 H=2048", 1000, H, 4, true);
        test_embed("prefill V=50 H=72 n=5", 50, 72, 5, false);

        GemvOpts plain, pro, fin;
        pro.prologue = true;
        fin.prologue = fin.final_norm = fin.argmax = true;
        test_gemv<k::GEMV_BF16>("qkv 1B, layer 0", 3 * H, H, plain);
        test_gemv<k::GEMV_BF16>("qkv 1B, prologue", 3 * H, H, pro);
        test_gemv<k::GEMV_BF16>("qkv GQA 16/4", H + 2 * 512, H, pro);
        test_gemv<k::GEMV_BF16>("o_proj 1B", H, H, plain);
        test_gemv<k::GEMV_SWIGLU>("gate_up 1B, prologue", 2 * I, H, pro);
        test_gemv<k::GEMV_BF16>("down 1B", H, I, plain);
        test_gemv<k::GEMV_F32>("lm_head 1B, final norm", V, H, fin);
        GemvOpts small = plain, small_pro = pro, small_fin = fin;
        small.grid = small_pro.grid = small_fin.grid = 3;  // persistent loop: many rows per warp
        test_gemv<k::GEMV_BF16>("odd, grid 3", 1000, 2080, small);
        test_gemv<k::GEMV_BF16>("odd, prologue", 37, 96, pro);
        test_gemv<k::GEMV_SWIGLU>("odd, grid 3", 2 * 333, 2080, small_pro);
        test_gemv<k::GEMV_SWIGLU>("odd, plain", 2 * 5, 96, plain);
        test_gemv<k::GEMV_F32>("odd, final norm, grid 3", 1001, 2080, small_fin);
        test_gemv<k::GEMV_F32>("odd, final norm", 37, 96, fin);
        GemvOpts bf_fin = pro;
        bf_fin.final_norm = true;
        test_gemv<k::GEMV_BF16>("final norm", 300, 160, bf_fin);
        // v7 prologue (16-byte loads), as the backend runs it
        GemvOpts vpro = pro, vfin = fin, vsmall_pro = small_pro, vsmall_fin = small_fin, vbf_fin = bf_fin;
        vpro.vec = vfin.vec = vsmall_pro.vec = vsmall_fin.vec = vbf_fin.vec = true;
        test_gemv<k::GEMV_BF16>("qkv 1B, prologue", 3 * H, H, vpro);
        test_gemv<k::GEMV_BF16>("qkv GQA 16/4", H + 2 * 512, H, vpro);
        test_gemv<k::GEMV_SWIGLU>("gate_up 1B, prologue", 2 * I, H, vpro);
        test_gemv<k::GEMV_F32>("lm_head 1B, final norm", V, H, vfin);
        test_gemv<k::GEMV_BF16>("odd, prologue", 37, 96, vpro);
        test_gemv<k::GEMV_SWIGLU>("odd, grid 3", 2 * 333, 2080, vsmall_pro);
        test_gemv<k::GEMV_F32>("odd, final norm, grid 3", 1001, 2080, vsmall_fin);
        test_gemv<k::GEMV_F32>("odd, final norm", 37, 96, vfin);
        test_gemv<k::GEMV_BF16>("final norm", 300, 160, vbf_fin);
        test_gemv<k::GEMV_BF16>("wide prologue", 100, 4104, vpro);
        // v11: the same from the packed copies (each also bit-equal to the row-major kernel)
        GemvOpts ppro = vpro, pfin = vfin, psmall_pro = vsmall_pro, psmall_fin = vsmall_fin, pplain = plain;
        ppro.packed = pfin.packed = psmall_pro.packed = psmall_fin.packed = pplain.packed = true;
        test_gemv<k::GEMV_BF16>("qkv 1B, prologue", 3 * H, H, ppro);
        test_gemv<k::GEMV_BF16>("o_proj 1B", H, H, pplain);
        test_gemv<k::GEMV_SWIGLU>("gate_up 1B, prologue", 2 * I, H, ppro);
        test_gemv<k::GEMV_BF16>("down 1B", H, I, pplain);
        test_gemv<k::GEMV_F32>("lm_head 1B, final norm", V, H, pfin);
        test_gemv<k::GEMV_BF16>("odd, prologue", 37, 96, ppro);
        test_gemv<k::GEMV_SWIGLU>("odd, grid 3", 2 * 333, 2080, psmall_pro);
        test_gemv<k::GEMV_F32>("odd, final norm, grid 3", 1001, 2080, psmall_fin);
        test_gemv<k::GEMV_BF16>("wide prologue (K tail of a tile)", 100, 4104, ppro);
        // K above 24576 needs more than 48 KB of shared memory (OLMo-2-32B down_proj: K = 27648)
        CK(k::allow_gemv_smem(27648 * 2));
        test_gemv<k::GEMV_BF16>("down 32B shape (smem opt-in)", 640, 27648, plain);
        test_gemv<k::GEMV_BF16>("down 32B shape (smem opt-in)", 640, 27648, pplain);

        test_argmax_all();

        test_rownorm("1B", 0, 37, H, false);
        test_rownorm("1B", 1, 37, H, false);
        test_rownorm("1B", 1, 37, H, true);
        test_rownorm("odd", 0, 3, 2080, false);
        test_rownorm("odd", 1, 5, 96, false);
        test_rownorm("chunk", 0, 512, H, false);
        test_rownorm("scalar path (H % 8 != 0)", 0, 3, 100, false);
        test_rownorm("scalar path (H % 8 != 0)", 1, 3, 100, false);

        test_gemm<k::EPI_BF16>("qkv 1B", 37, 3 * H, H);
        test_gemm<k::EPI_BF16>("o_proj 1B chunk", 512, H, H);
        test_gemm<k::EPI_SWIGLU>("gate_up 1B", 130, 2 * I, H);
        test_gemm<k::EPI_BF16>("down 1B", 200, H, I);
        test_gemm<k::EPI_F32>("lm_head 1B", 3, V, H);
        test_gemm<k::EPI_BF16>("odd", 129, 130, 160);
        test_gemm<k::EPI_BF16>("one row", 1, 200, 96);
        test_gemm<k::EPI_SWIGLU>("odd", 67, 2 * 100, 96);
        test_gemm<k::EPI_F32>("odd", 131, 250, 2080);
        test_gemm<k::EPI_F32>("odd N (vocab 50257-like)", 5, 1001, 96);
        test_gemm<k::EPI_BF16>("odd N", 33, 131, 96);
        // v7 prefill GEMM, both block heights, on the backend's shapes and odd ones
        for (int bm : {128, 64}) {
            test_gemm<k::EPI_BF16>("qkv 1B chunk", 512, 3 * H, H, 0, bm);
            test_gemm<k::EPI_BF16>("o_proj 1B chunk", 512, H, H, 0, bm);
            test_gemm<k::EPI_SWIGLU>("gate_up 1B", 130, 2 * I, H, 0, bm);
            test_gemm<k::EPI_BF16>("down 1B", 200, H, I, 0, bm);
            test_gemm<k::EPI_F32>("lm_head 1B", 3, V, H, 0, bm);
            test_gemm<k::EPI_BF16>("odd", 129, 130, 160, 0, bm);
            test_gemm<k::EPI_BF16>("one row", 1, 200, 96, 0, bm);
            test_gemm<k::EPI_BF16>("K one tile", 70, 136, 32, 0, bm);
            test_gemm<k::EPI_BF16>("K two tiles", 65, 128, 64, 0, bm);
            test_gemm<k::EPI_SWIGLU>("odd", 67, 2 * 100, 96, 0, bm);
            test_gemm<k::EPI_F32>("odd", 131, 250, 2080, 0, bm);
            test_gemm<k::EPI_F32>("odd N (vocab 50257-like)", 5, 1001, 96, 0, bm);
            test_gemm<k::EPI_BF16>("odd N", 33, 131, 96, 0, bm);
        }
        // v9 prefill GEMM (BK 64, 3 stages; K % 64 == 0), both block heights, where the card has the
        // shared memory (the backend keeps BK 32 elsewhere)
        if (optin_smem() < k::kGemmTc9MaxSmem)
            std::printf("SKIP v9 prefill GEMM tiles: %d bytes of shared memory per block, they need %d\n", optin_smem(),
                        k::kGemmTc9MaxSmem);
        else
            for (int bm : {128, 64}) {
            test_gemm<k::EPI_BF16>("qkv 1B chunk", 512, 3 * H, H, 0, bm, 64);
            test_gemm<k::EPI_BF16>("o_proj 1B chunk", 512, H, H, 0, bm, 64);
            test_gemm<k::EPI_SWIGLU>("gate_up 1B", 130, 2 * I, H, 0, bm, 64);
            test_gemm<k::EPI_BF16>("down 1B", 200, H, I, 0, bm, 64);
            test_gemm<k::EPI_F32>("lm_head 1B", 3, V, H, 0, bm, 64);
            test_gemm<k::EPI_BF16>("odd", 129, 130, 192, 0, bm, 64);
            test_gemm<k::EPI_BF16>("one row", 1, 200, 128, 0, bm, 64);
            test_gemm<k::EPI_BF16>("K one tile", 70, 136, 64, 0, bm, 64);
            test_gemm<k::EPI_BF16>("K two tiles", 65, 128, 128, 0, bm, 64);
            test_gemm<k::EPI_SWIGLU>("odd", 67, 2 * 100, 128, 0, bm, 64);
            test_gemm<k::EPI_F32>("odd", 131, 250, 2112, 0, bm, 64);
            test_gemm<k::EPI_BF16>("odd N", 33, 131, 64, 0, bm, 64);
        }
    }
    if (!only || norm_only) {  // the batched step's fused split-K sum + post-norm + residual (v7)
        test_splitk_norm("1B o_proj", 64, H, 8, false);
        test_splitk_norm("1B down, last layer", 64, H, 8, true);
        test_splitk_norm("S=1", 3, H, 1, true);
        test_splitk_norm("odd", 5, 2080, 3, false);
        test_splitk_norm("odd, final", 130, 96, 2, true);
    }
    // v10: the wgmma GEMM on packed weights, batched decode (S as below) and prefill (BN 64 and 128);
    // since v12 as the backend runs it (OV 1: one k-tile's MMAs in flight), each also bit for bit
    // against v10's waits (OLMO_CUDA_OLD=wgwait)
    if (!only || wgmma_only) {
        if (!wgmma_here()) {
            std::printf("SKIP v10 wgmma GEMMs: this binary has no sm_90a code for the device, or it lacks %d bytes "
                        "of shared memory per block\n", k::kGemmWgMaxSmem);
        } else {
            test_gemm<k::EPI_BF16>("qkv 1B", 64, 3 * H, H, 2, 0, 32, 64);
            test_gemm<k::EPI_BF16>("qkv 1B, S 4", 64, 3 * H, H, 4, 0, 32, 64);
            test_gemm<k::EPI_BF16>("o_proj 1B", 64, H, H, 4, 0, 32, 64);
            test_gemm<k::EPI_BF16>("o_proj 1B, S 8", 64, H, H, 8, 0, 32, 64);
            test_gemm<k::EPI_BF16>("down 1B", 64, H, I, 4, 0, 32, 64);
            test_gemm<k::EPI_SWIGLU>("gate_up 1B", 64, 2 * I, H, 1, 0, 32, 64);
            test_gemm<k::EPI_SWIGLU>("gate_up 1B split", 3, 2 * I, H, 4, 0, 32, 64);
            test_gemm<k::EPI_BF16>("down 1B, 128 rows", 128, H, I, 8, 0, 32, 64);
            test_gemm<k::EPI_BF16>("down 1B, one row", 1, H, I, 8, 0, 32, 64);
            test_gemm<k::EPI_F32>("lm_head 1B", 64, V, H, 1, 0, 32, 64);
            test_gemm<k::EPI_F32>("lm_head 1B, 130 rows", 130, V, H, 1, 0, 32, 64);
            test_gemm<k::EPI_F32>("odd N, row map", 5, 1001, 96, 1, 0, 32, 64);
            test_gemm<k::EPI_F32>("odd N, split 3", 17, 1001, 2080, 3, 0, 32, 64);
            test_gemm<k::EPI_BF16>("odd, 65 rows", 65, 130, 160, 2, 0, 32, 64);
            test_gemm<k::EPI_BF16>("K tail 40, 3 splits", 70, 200, 1000, 3, 0, 32, 64);
            test_gemm<k::EPI_SWIGLU>("K one short tile", 9, 2 * 64, 40, 1, 0, 32, 64);
            if (optin_smem() >= k::kGemmWgDeepSmem) {  // v14: 12 stages, the grids of at most one block per SM
                test_gemm<k::EPI_BF16>("o_proj 1B", 64, H, H, 4, 0, 32, 64, true);
                test_gemm<k::EPI_BF16>("down 1B", 64, H, I, 4, 0, 32, 64, true);
                test_gemm<k::EPI_BF16>("qkv 1B, S 1", 64, 3 * H, H, 1, 0, 32, 64, true);
                test_gemm<k::EPI_BF16>("o_proj 1B, one row", 1, H, H, 4, 0, 32, 64, true);
                test_gemm<k::EPI_SWIGLU>("K one short tile", 9, 2 * 64, 40, 1, 0, 32, 64, true);
                test_gemm<k::EPI_F32>("odd N, split 3", 17, 1001, 2080, 3, 0, 32, 64, true);
                test_gemm<k::EPI_BF16>("K tail 40, 3 splits", 33, 200, 1000, 3, 0, 32, 64, true);
                // v19: the post-norm fused behind a grid barrier (more rows than blocks: the 4-block case,
                // and once with v10's MMA waits, OV 0); v18: weights evict-first
                test_weight_prefetch_plans();
                test_gemm_extra("o_proj 1B", 64, H, H, 4, true, false, 3);
                test_gemm_extra("down 1B, last layer", 64, H, I, 4, true, true, 2);
                test_gemm_extra("one row", 1, H, H, 4, true, true, 2);
                test_gemm_extra("odd", 5, 2080, 1000, 3, true, false, 2);
                test_gemm_extra("7B o_proj", 64, 4096, 4096, 2, true, false, 2);
                test_gemm_extra("64 rows, 4 blocks", 64, 256, 256, 1, true, true, 2);
                test_gemm_extra<0>("o_proj 1B, OV 0", 64, H, H, 4, true, false, 2);
                test_gemm_extra("qkv 1B", 64, 3 * H, H, 1, false, false, 1);
                test_gemm_extra("o_proj 1B partials", 37, H, H, 4, false, false, 1);
                test_gemm_extra("odd partials", 5, 2080, 1000, 3, false, false, 1);
                // v23: the barrier GEMM and the GEMM after it in one grid (the 1B's two pairs; one row; more
                // second-GEMM tiles than blocks, and fewer; a K tail; the 7B's o_proj + gate_up shape)
                test_gemm_pair<k::EPI_SWIGLU>("o_proj + gate_up 1B", 64, H, H, 4, 2 * I, 3);
                test_gemm_pair<k::EPI_BF16>("down + qkv 1B", 64, H, I, 4, 3 * H, 2);
                test_gemm_pair<k::EPI_SWIGLU>("one row", 1, H, H, 4, 2 * I, 2);
                test_gemm_pair<k::EPI_BF16>("odd", 5, 2080, 1000, 3, 200, 2);
                test_gemm_pair<k::EPI_SWIGLU>("odd, K2 tail", 37, 2080, 1000, 3, 2 * 330, 2);
                test_gemm_pair<k::EPI_SWIGLU>("7B o_proj + gate_up", 64, 4096, 4096, 2, 2 * 11008, 2);
                test_gemm_pair<k::EPI_SWIGLU, 14>("o_proj + gate_up 1B", 64, H, H, 4, 2 * I, 2);  // OLMO_CUDA_PAIRB
                test_gemm_pair<k::EPI_BF16, 18>("down + qkv 1B", 64, H, I, 4, 3 * H, 2);
                // short pipelines: the first GEMM shorter than the activation ring's lookahead (2 k-tiles,
                // all steps fewer than the weight ring's), and an empty last split (K 576 over 4: 3, 3, 3, 0)
                test_gemm_pair<k::EPI_SWIGLU>("short", 8, 256, 128, 1, 2 * 256, 2);
                test_gemm_pair<k::EPI_BF16>("empty split", 5, 256, 576, 4, 320, 2);
            } else {
                std::printf("SKIP v14 deep wgmma GEMM: %d bytes of shared memory per block, it needs %d\n",
                            optin_smem(), k::kGemmWgDeepSmem);
            }
            for (int bn : {128, 64}) {
                test_gemm<k::EPI_BF16>("qkv 1B chunk", 512, 3 * H, H, 0, 0, 32, bn);
                test_gemm<k::EPI_BF16>("o_proj 1B chunk", 512, H, H, 0, 0, 32, bn);
                test_gemm<k::EPI_SWIGLU>("gate_up 1B", 130, 2 * I, H, 0, 0, 32, bn);
                test_gemm<k::EPI_BF16>("down 1B", 200, H, I, 0, 0, 32, bn);
                test_gemm<k::EPI_F32>("lm_head 1B", 3, V, H, 0, 0, 32, bn);
                test_gemm<k::EPI_BF16>("odd", 129, 130, 192, 0, 0, 32, bn);
                test_gemm<k::EPI_BF16>("odd N (last 128-row tile half empty)", 33, 131, 64, 0, 0, 32, bn);
                test_gemm<k::EPI_SWIGLU>("odd", 67, 2 * 100, 128, 0, 0, 32, bn);
            }
        }
    }
    if (!only) {
        // batched decode GEMM: M = active sequences; S as cuda_backend.cu's ksplit picked for the 1B on
        // 132 SMs before v10 capped it at 4 (qkv 2, o 8, gate_up 1, down 8, lm_head 1) and odd shapes,
        // uneven last split included
        test_gemm<k::EPI_BF16>("qkv 1B", 64, 3 * H, H, 2);
        test_gemm<k::EPI_BF16>("o_proj 1B", 64, H, H, 8);
        test_gemm<k::EPI_SWIGLU>("gate_up 1B", 64, 2 * I, H, 1);
        test_gemm<k::EPI_SWIGLU>("gate_up 1B split", 3, 2 * I, H, 4);
        test_gemm<k::EPI_BF16>("down 1B", 128, H, I, 8);
        test_gemm<k::EPI_BF16>("down 1B, one row", 1, H, I, 8);
        test_gemm<k::EPI_F32>("lm_head 1B", 64, V, H, 1);
        test_gemm<k::EPI_F32>("lm_head 1B, 130 rows", 130, V, H, 1);
        test_gemm<k::EPI_F32>("odd N, row map", 5, 1001, 96, 1);
        test_gemm<k::EPI_F32>("odd N, split 3", 17, 1001, 2080, 3);
        test_gemm<k::EPI_BF16>("odd, 65 rows", 65, 130, 160, 2);
        test_gemm<k::EPI_BF16>("K tail 40, 3 splits", 70, 200, 1000, 3);
        test_gemm<k::EPI_SWIGLU>("K one short tile", 9, 2 * 64, 40, 1);
        // the v6 tiles (OLMO_CUDA_OLD=dgemm)
        test_gemm<k::EPI_BF16>("o_proj 1B", 64, H, H, 8, 32);
        test_gemm<k::EPI_SWIGLU>("gate_up 1B", 64, 2 * I, H, 1, 32);
        test_gemm<k::EPI_F32>("odd N, split 3", 17, 1001, 2080, 3, 32);
        // v7 batched decode: partials only (S == 1 included), fused reduce + post-norm (+ final norm)
        test_gemm_partials("o_proj 1B", 64, H, H, 8);
        test_gemm_partials("S=1", 5, 136, 96, 1);
        test_gemm_partials("odd, 65 rows", 65, 128, 160, 3);
    }

    if (!wgmma_only && !norm_only) {
        const AttnShape mha{16, 16, 128, 4096}, gqa2{16, 8, 64, 4096}, gqa4{16, 4, 128, 4096}, d32{8, 2, 32, 1100},
            d16{4, 2, 16, 64};
        test_qknorm_rope("1B decode", mha, 1, 2999, true);
        test_qknorm_rope("1B prefill chunk", mha, 64, 512, false);
        test_qknorm_rope("GQA 4", gqa4, 37, 100, false);
        test_qknorm_rope("GQA 2", gqa2, 5, 0, false);
        test_qknorm_rope("d32", d32, 3, 1000, false);
        test_qknorm_rope("d16", d16, 7, 3, false);

        for (bool fused : {false, true}) {
            decode_case("1B long", mha, 2999, 0, fused);
            decode_case("1B long, S=1", mha, 2999, 1, fused);
            decode_case("1B long, S=64", mha, 3000, 64, fused);
            decode_case("1B peaky", mha, 700, 0, fused, 3.0);
            decode_case("GQA 2", gqa2, 3000, 0, fused);
            decode_case("GQA 4", gqa4, 511, 0, fused);
            decode_case("d32, first token", d32, 0, 0, fused);
            decode_case("d32", d32, 1050, 0, fused);
            decode_case("d16, empty splits", d16, 4, 0, fused);
            decode_case("d64, len 9 S=8", gqa2, 8, 8, fused);
        }
        // batch-1 as the backend runs it: ceil(len / 32) of 17 splits (v7; v6 took 64 keys per split)
        decode_case("1B short, new key mid-batch", mha, 195, 17, true, 1.0, 32);
        decode_case("1B new key first of a batch", mha, 256, 17, true, 1.0, 32);
        decode_case("1B long, all splits", mha, 2999, 17, true, 1.0, 32);
        decode_case("1B first token", mha, 0, 17, true, 1.0, 32);
        decode_case("1B chunk 64", mha, 200, 17, true, 1.0, 64);
        decode_case("d16", d16, 37, 5, true, 1.0, 32);
        // v12: one-split rows write their output directly (the batched kernel's 256-key splits, the
        // batch-1 kernel's short contexts); rows of several splits still combine
        decode_case("1B one split of 256", mha, 192, 1, true, 1.0, 0, true);
        decode_case("1B len 256, one split", mha, 255, 17, true, 1.0, 256, true);
        decode_case("1B len 300, two splits", mha, 299, 17, true, 1.0, 256, true);
        decode_case("1B first token", mha, 0, 17, true, 1.0, 32, true);
        decode_case("1B long, all splits", mha, 2999, 17, true, 1.0, 32, true);
        decode_case("d16 one split", d16, 37, 1, true, 1.0, 0, true);
        decode_case("d64 GQA 2 one split", gqa2, 100, 1, true, 1.0, 0, true);
        // the batched kernel as the backend launches it: one split, two, a first token, the split edge
        const AttnShape mha1k{16, 16, 128, 1024}, gqa1k{16, 8, 64, 1024};
        decode_batch_case("1B", mha1k, {0, 100, 255, 256, 300, 511, 17, 700});
        decode_batch_case("GQA 2", gqa1k, {5, 400, 256});
        decode_batch_case("d16", AttnShape{4, 2, 16, 600}, {3, 299});

        prefill_case("1B first chunk", mha, 512, 0);
        prefill_case("1B after cache", gqa4, 100, 1000);
        prefill_case("1B one row", AttnShape{16, 8, 128, 4096}, 1, 3000);
        prefill_case("GQA 2 odd", gqa2, 130, 37);
        prefill_case("d32", d32, 65, 0);
        prefill_case("d32 after cache", d32, 70, 1000);
        prefill_case("d16", d16, 7, 5);
        // v16: a batched prefill pass in one launch each == one launch each per sequence
        prefill_pass_case("1B, 16 prompts of 128", mha, std::vector<int>(16, 128), std::vector<int>(16, 0));
        prefill_pass_case("GQA 4, mixed, after cache", gqa4, {100, 1, 64, 65, 7}, {0, 300, 1000, 5, 64});
        prefill_pass_case("d64 GQA 2", gqa2, {130, 37}, {37, 0});
        prefill_pass_case("d32", d32, {3, 70}, {1000, 0});
        prefill_pass_case("d16", d16, {7, 1, 2}, {5, 0, 60});
    }

    std::printf("kernel tests: %d checks, %d failed (%s)\n", g_checks, g_failed, prop.name);
    return g_failed ? 1 : 0;
}
