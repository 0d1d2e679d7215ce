// CUDA kernels of the OLMo-2 engine. All written for this project: no cuBLAS, no cuDNN.
// Numerics mirror transformers' BF16 Olmo2 (engine.md §1): BF16 storage between modules,
// FP32 accumulation, FP32 RMSNorm (weight multiplied before the cast), FP32 split-half RoPE.
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <stdint.h>

namespace olmo {
namespace k {

typedef __nv_bfloat16 bf16;

struct StepParams {  // everything a decode step needs that changes per token (lives in device memory)
    int token;
    int pos;
    int slot;  // batched decode: the row's sequence slot
};

// What a batched-decode GEMM does besides its product, all off when zero-initialised:
//  - evict_first (v18): the weight tiles' cp.async carry an L2 evict-first policy (the backend sets it
//    for grids of one block row, up to 128 rows, where each weight byte is read once a step; what else
//    the step keeps in L2 — activations, partials, the KV lines — stays longer);
//  - bar (v19, the norm): the split-K partials, then a grid-wide barrier, then block b sums the partials
//    of rows b, b + blocks, ... and applies post-norm + residual (+ final norm) as
//    splitk_norm_residual_kernel. Only for grids that are co-resident (at most one block per SM, at
//    most as many blocks as SMs, nothing else running on the device): see grid_barrier.
// v21: the first k-tiles of every block of the step's next GEMM, which a kernel asks L2 to fetch
// (prefetch_next_weights) once its own loads are out, so memory streams the next weights while this
// kernel drains. P == nullptr or tiles == 0: none. The next GEMM's grid (1 or more, ntiles, splits):
// block (., nt, z) reads the packed tiles (nt, z * klt ...) of P (ktiles per N tile).
struct WeightPrefetch {
    const bf16 *P;
    int ntiles, ktiles, splits, klt, tiles;
    int krot;  // the next GEMM runs with GemmExtra::krot: block j starts at its k-tile j mod nk
};
struct GemmExtra {
    int evict_first;
    unsigned *bar;  // norm: {count, generation}, zero before the first use
    bf16 *x, *y;
    const bf16 *w, *w_final;
    float eps;
    WeightPrefetch pf;  // v21
    int krot;           // v22 (tuning): block b walks its k-tiles from (b mod its count), wrapping around
};

// One sequence of a batched prefill pass (v16): its rows [row0, row0 + len) of the pass's
// activations, at positions pos0.. of slot's cache.
struct PrefillSeq {
    int row0, len, pos0, slot;
};

// Programmatic dependent launch (Hopper): a kernel lets the next one start early
// (launch_dependents) and waits for its predecessor's completion before touching any
// activation memory (wait). Both are no-ops when the launch did not ask for PDL or below sm_90.
__device__ __forceinline__ void pdl_wait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;\n" ::: "memory");
#endif
}
__device__ __forceinline__ void pdl_launch() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.launch_dependents;\n" ::);
#endif
}

__device__ __forceinline__ float bf2f(bf16 x) { return __bfloat162float(x); }
__device__ __forceinline__ float rbf(float x) { return __bfloat162float(__float2bfloat16_rn(x)); }
__device__ __forceinline__ uint32_t pack_bf16(float lo, float hi) {
    __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
    return *reinterpret_cast<uint32_t *>(&v);
}
// 8 consecutive bf16 (one 16-byte load) to FP32, and back (round to nearest even).
__device__ __forceinline__ void unpack8(const uint4 &v, float (&f)[8]) {
    const __nv_bfloat162 *p = reinterpret_cast<const __nv_bfloat162 *>(&v);
#pragma unroll
    for (int j = 0; j < 4; ++j) {
        const float2 t = __bfloat1622float2(p[j]);
        f[2 * j] = t.x;
        f[2 * j + 1] = t.y;
    }
}
__device__ __forceinline__ uint4 pack8(const float (&f)[8]) {
    return make_uint4(pack_bf16(f[0], f[1]), pack_bf16(f[2], f[3]), pack_bf16(f[4], f[5]), pack_bf16(f[6], f[7]));
}
__device__ __forceinline__ float silu(float g) { return g / (1.f + expf(-g)); }

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}
__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}
// Sum over the block (blockDim.x a multiple of 32, <= 1024). red: >= 33 floats of shared memory.
__device__ __forceinline__ float block_sum(float v, float *red) {
    const int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = blockDim.x >> 5;
    v = warp_sum(v);
    __syncthreads();  // red may still be in use by a previous call
    if (lane == 0) red[w] = v;
    __syncthreads();
    if (w == 0) {
        float t = lane < nw ? red[lane] : 0.f;
        t = warp_sum(t);
        if (lane == 0) red[32] = t;
    }
    __syncthreads();
    return red[32];
}

// Two sums over the block at once (same order as block_sum for each). red: >= 66 floats.
__device__ __forceinline__ float2 block_sum2(float a, float b, float *red) {
    const int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = blockDim.x >> 5;
    a = warp_sum(a);
    b = warp_sum(b);
    __syncthreads();
    if (lane == 0) { red[w] = a; red[32 + w] = b; }
    __syncthreads();
    if (w == 0) {
        float ta = lane < nw ? red[lane] : 0.f, tb = lane < nw ? red[32 + lane] : 0.f;
        ta = warp_sum(ta);
        tb = warp_sum(tb);
        if (lane == 0) { red[64] = ta; red[65] = tb; }
    }
    __syncthreads();
    return make_float2(red[64], red[65]);
}

__device__ __forceinline__ void mma_bf16(float (&c)[4], uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3,
                                         uint32_t b0, uint32_t b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
        "{%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
}

// Four 8x8 b16 matrices from shared memory: lane l gives the row address of row (l & 7) of matrix
// l >> 3 (16 bytes each); register i receives matrix i in the mma fragment layout (row l / 4,
// columns 2 (l % 4), +1).
__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], const bf16 *p) {
    const unsigned a = static_cast<unsigned>(__cvta_generic_to_shared(p));
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(a));
}

// 16-byte global -> shared copies that bypass registers (valid == false: zero-fill), sm_80+.
__device__ __forceinline__ void cp_async16(void *smem, const void *gmem, bool valid) {
    const unsigned s = static_cast<unsigned>(__cvta_generic_to_shared(smem));
    const int sz = valid ? 16 : 0;
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(s), "l"(gmem), "r"(sz));
}
// cp_async16 with an L2 cache policy (createpolicy), sm_80+.
__device__ __forceinline__ void cp_async16_policy(void *smem, const void *gmem, bool valid, uint64_t pol) {
    const unsigned s = static_cast<unsigned>(__cvta_generic_to_shared(smem));
    const int sz = valid ? 16 : 0;
    asm volatile("cp.async.cg.shared.global.L2::cache_hint [%0], [%1], 16, %2, %3;\n" ::"r"(s), "l"(gmem), "r"(sz),
                 "l"(pol));
}
__device__ __forceinline__ uint64_t l2_evict_first_policy() {
    uint64_t pol = 0;
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    asm volatile("createpolicy.fractional.L2::evict_first.b64 %0, 1.0;\n" : "=l"(pol));
#endif
    return pol;
}
// v20: asks L2 to fetch [p, p + bytes) from memory (sm_90 bulk prefetch; p and bytes multiples of 16). No
// data moves to the SM and nothing waits on it; a no-op below sm_90.
__device__ __forceinline__ void prefetch_l2_bulk(const void *p, unsigned bytes) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    if (bytes) asm volatile("cp.async.bulk.prefetch.L2.global [%0], %1;\n" ::"l"(p), "r"(bytes) : "memory");
#endif
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N> __device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N)); }

// ------------------------------------------------------------------ embedding
// x[i][:] = emb[ids[i]][:]; ids from a device array (prefill) or StepParams (decode).
__global__ void embed_kernel(const int *ids, const StepParams *p, const bf16 *__restrict__ emb, bf16 *x, int H) {
    pdl_launch();
    pdl_wait();
    const int i = blockIdx.x;
    const int tok = p ? p[i].token : ids[i];  // p: one StepParams per row (batched decode) or the one
    const uint4 *src = reinterpret_cast<const uint4 *>(emb + size_t(tok) * H);
    uint4 *dst = reinterpret_cast<uint4 *>(x + size_t(i) * H);
    for (int j = threadIdx.x; j < H / 8; j += blockDim.x) dst[j] = src[j];
}

// ------------------------------------------------------------------ GEMV (decode)
// out = W · u, W BF16 [N, K] row-major. One warp per row (two rows — gate and up — for SWIGLU),
// 16-byte loads, UNROLL loads in flight per row, the input vector in shared memory as BF16.
// Optional prologue fuses the post-norm residual of the previous sublayer:
//   v = bf16(resid + bf16(rmsnorm(delta) * w_delta));  block 0 stores v to resid_out
//   u = w_final ? bf16(rmsnorm(v) * w_final) : v
struct GemvIn {
    const bf16 *x;          // plain input (when delta == nullptr)
    const bf16 *resid;      // prologue inputs
    const bf16 *delta;
    const bf16 *w_delta;
    bf16 *resid_out;
    const bf16 *w_final;
    float eps;
    // GEMV_F32 only, optional: fused argmax. Each block writes its best (value, row) to
    // part_val/part_idx[blockIdx.x]; the last block to finish reduces them into *next.
    float *part_val;
    int *part_idx;
    unsigned *counter;
    int *next;
    int vec;  // v7: the prologue with 16-byte loads (K % 8 == 0); 0 = the v6 scalar loop
};
enum { GEMV_BF16 = 0, GEMV_SWIGLU = 1, GEMV_F32 = 2 };

// Packed weight tiles (v10, gemm_wg_kernel; v11, gemv_kernel<MODE, true>): 64 rows x 64 columns.
constexpr int WBK = 64, WTILE = 64 * WBK;
// v21: next block j's first tiles as at most two runs of whole tiles: [first[0], first[0] + count[0]) and
// [first[1], ...) in tiles from pf.P (count 0: none). Host and device (the kernel test checks the runs).
__host__ __device__ inline void next_weight_runs(const WeightPrefetch &pf, int j, size_t (&first)[2], int (&count)[2]) {
    count[0] = count[1] = 0;
    first[0] = first[1] = 0;
    const int nt = j % pf.ntiles, k0 = (j / pf.ntiles) * pf.klt;
    const int nk = pf.klt < pf.ktiles - k0 ? pf.klt : pf.ktiles - k0, n = pf.tiles < nk ? pf.tiles : nk;
    if (n <= 0) return;
    const int r = pf.krot && nk > 1 ? j % nk : 0;  // tiles [r, r + n) mod nk, as the block loads them
    const size_t t0 = size_t(nt) * pf.ktiles + k0;
    count[0] = n < nk - r ? n : nk - r;
    first[0] = t0 + r;
    count[1] = n - count[0];
    first[1] = t0;
}
// v21: block b of nb asks L2 for its share of the next GEMM's first weight tiles (one bulk request per
// run of contiguous 8 KB tiles, for next blocks j = b, b + nb, ...). Any thread may call it; one does.
__device__ __forceinline__ void prefetch_next_weights(const WeightPrefetch &pf, int b, int nb) {
    if (!pf.P || pf.tiles <= 0) return;
    const int blocks = pf.ntiles * pf.splits;
    for (int j = b; j < blocks; j += nb) {
        size_t first[2];
        int count[2];
        next_weight_runs(pf, j, first, count);
        for (int i = 0; i < 2; ++i)
            if (count[i] > 0) prefetch_l2_bulk(pf.P + first[i] * WTILE, unsigned(count[i]) * WTILE * 2);
    }
}

// PK (v11): W is the packed copy of gemm_wg_kernel (pack_tiles_kernel: 64 x 64 tiles, swizzled
// 16-byte chunks) instead of the row-major matrix; same loads per lane, same arithmetic and order.
template <int MODE, bool PK = false>
__global__ void __launch_bounds__(256) gemv_kernel(const bf16 *__restrict__ W, int N, int K, GemvIn in, void *out) {
    extern __shared__ uint4 smem_u4[];
    bf16 *xs = reinterpret_cast<bf16 *>(smem_u4);
    __shared__ float red[33];
    const int tid = threadIdx.x;
    constexpr int R = MODE == GEMV_SWIGLU ? 2 : 1;  // rows per warp
    constexpr int UNROLL = 8;
    const int lane = tid & 31, warp = tid >> 5, nwarps = blockDim.x >> 5;
    const int groups = N / R;
    uint4 w[R][UNROLL];
    const int ktiles = (K + WBK - 1) / WBK;  // PK
    auto load_batch = [&](int g, int k0) {
        const bf16 *wrow = W + size_t(g) * R * K;
#pragma unroll
        for (int u = 0; u < UNROLL; ++u) {
            const int idx = k0 + u * 256 + lane * 8;
#pragma unroll
            for (int r = 0; r < R; ++r) {
                const bf16 *src;
                if (PK) {  // row n's chunk idx / 8: tile (n / 64, idx / 64), chunk (idx / 8) % 8 swizzled by n % 8
                    const int n = g * R + r, rr = n & 63, cc = (idx >> 3) & 7;
                    src = W + (size_t(n >> 6) * ktiles + idx / WBK) * WTILE + (rr * 8 + (cc ^ (rr & 7))) * 8;
                } else {
                    src = wrow + size_t(r) * K + idx;
                }
                w[r][u] = idx < K ? __ldg(reinterpret_cast<const uint4 *>(src)) : make_uint4(0, 0, 0, 0);
            }
        }
    };
    // Weights do not depend on the previous kernel: start streaming them before waiting for it.
    int g = blockIdx.x * nwarps + warp;
    bool have = false;
    if (g < groups) {
        load_batch(g, 0);
        have = true;
    }
    pdl_launch();
    pdl_wait();
    if (in.delta && in.vec && (K & 7) == 0) {  // the same prologue, 16-byte loads (one round trip for K <= 2048)
        const uint4 *d8 = reinterpret_cast<const uint4 *>(in.delta), *r8 = reinterpret_cast<const uint4 *>(in.resid),
                    *w8 = reinterpret_cast<const uint4 *>(in.w_delta);
        float ss = 0.f;
        for (int i = tid; i < K / 8; i += blockDim.x) {
            float d[8];
            unpack8(d8[i], d);
#pragma unroll
            for (int j = 0; j < 8; ++j) ss += d[j] * d[j];
        }
        const float r = rsqrtf(block_sum(ss, red) / K + in.eps);
        float ss2 = 0.f;
        for (int i = tid; i < K / 8; i += blockDim.x) {
            float d[8], rs[8], wd[8], v[8];
            unpack8(d8[i], d);
            unpack8(r8[i], rs);
            unpack8(w8[i], wd);
#pragma unroll
            for (int j = 0; j < 8; ++j) {
                v[j] = rbf(rs[j] + rbf(wd[j] * (d[j] * r)));
                ss2 += v[j] * v[j];
            }
            const uint4 vb = pack8(v);
            smem_u4[i] = vb;
            if (blockIdx.x == 0 && in.resid_out) reinterpret_cast<uint4 *>(in.resid_out)[i] = vb;
        }
        if (in.w_final) {
            const float r2 = rsqrtf(block_sum(ss2, red) / K + in.eps);  // its barriers order the xs writes
            const uint4 *f8 = reinterpret_cast<const uint4 *>(in.w_final);
            for (int i = tid; i < K / 8; i += blockDim.x) {
                float v[8], wf[8], o[8];
                unpack8(smem_u4[i], v);
                unpack8(f8[i], wf);
#pragma unroll
                for (int j = 0; j < 8; ++j) o[j] = wf[j] * (v[j] * r2);
                smem_u4[i] = pack8(o);
            }
        }
    } else if (in.delta) {
        float ss = 0.f;
        for (int i = tid; i < K; i += blockDim.x) {
            float d = bf2f(in.delta[i]);
            ss += d * d;
        }
        const float r = rsqrtf(block_sum(ss, red) / K + in.eps);
        float ss2 = 0.f;
        for (int i = tid; i < K; i += blockDim.x) {
            float v = rbf(bf2f(in.resid[i]) + rbf(bf2f(in.w_delta[i]) * (bf2f(in.delta[i]) * r)));
            bf16 vb = __float2bfloat16_rn(v);
            xs[i] = vb;
            if (blockIdx.x == 0 && in.resid_out) in.resid_out[i] = vb;
            ss2 += v * v;
        }
        if (in.w_final) {
            const float r2 = rsqrtf(block_sum(ss2, red) / K + in.eps);
            for (int i = tid; i < K; i += blockDim.x)
                xs[i] = __float2bfloat16_rn(bf2f(in.w_final[i]) * (bf2f(xs[i]) * r2));
        }
    } else {
        const uint4 *src = reinterpret_cast<const uint4 *>(in.x);
        for (int i = tid; i < K / 8; i += blockDim.x) smem_u4[i] = src[i];
    }
    __syncthreads();

    float best_v = -INFINITY;  // fused argmax (lane 0 of each warp)
    int best_i = 0x7fffffff;
    for (; g < groups; g += gridDim.x * nwarps) {
        float acc[R];
#pragma unroll
        for (int r = 0; r < R; ++r) acc[r] = 0.f;
        for (int k0 = 0; k0 < K; k0 += 256 * UNROLL) {
            if (!have) load_batch(g, k0);
            have = false;
#pragma unroll
            for (int u = 0; u < UNROLL; ++u) {
                const int idx = k0 + u * 256 + lane * 8;
                if (idx < K) {
                    uint4 xv = *reinterpret_cast<const uint4 *>(xs + idx);
                    const __nv_bfloat162 *xp = reinterpret_cast<const __nv_bfloat162 *>(&xv);
#pragma unroll
                    for (int r = 0; r < R; ++r) {
                        const __nv_bfloat162 *wp = reinterpret_cast<const __nv_bfloat162 *>(&w[r][u]);
#pragma unroll
                        for (int j = 0; j < 4; ++j) {
                            float2 a = __bfloat1622float2(wp[j]), b = __bfloat1622float2(xp[j]);
                            acc[r] = fmaf(a.x, b.x, acc[r]);
                            acc[r] = fmaf(a.y, b.y, acc[r]);
                        }
                    }
                }
            }
        }
#pragma unroll
        for (int r = 0; r < R; ++r) acc[r] = warp_sum(acc[r]);
        if (lane == 0) {
            if (MODE == GEMV_BF16) {
                reinterpret_cast<bf16 *>(out)[g] = __float2bfloat16_rn(acc[0]);
            } else if (MODE == GEMV_F32) {
                reinterpret_cast<float *>(out)[g] = acc[0];
                if (acc[0] > best_v || (acc[0] == best_v && g < best_i)) { best_v = acc[0]; best_i = g; }
            } else {
                const float gt = rbf(acc[0]), up = rbf(acc[R - 1]);
                reinterpret_cast<bf16 *>(out)[g] = __float2bfloat16_rn(rbf(silu(gt)) * up);
            }
        }
    }
    if (MODE == GEMV_F32 && in.next) {
        __shared__ float wv[32];
        __shared__ int wi[32];
        __shared__ bool last;
        if (lane == 0) { wv[warp] = best_v; wi[warp] = best_i; }
        __syncthreads();
        if (tid == 0) {
            for (int w = 1; w < nwarps; ++w)
                if (wv[w] > best_v || (wv[w] == best_v && wi[w] < best_i)) { best_v = wv[w]; best_i = wi[w]; }
            in.part_val[blockIdx.x] = best_v;
            in.part_idx[blockIdx.x] = best_i;
            __threadfence();
            last = atomicAdd(in.counter, 1u) == gridDim.x - 1;
        }
        __syncthreads();
        if (last && warp == 0) {
            __threadfence();
            const volatile float *pv = in.part_val;
            const volatile int *pi = in.part_idx;
            float bv = -INFINITY;
            int bi = 0x7fffffff;
            for (int b = lane; b < gridDim.x; b += 32) {
                const float v = pv[b];
                const int i = pi[b];
                if (v > bv || (v == bv && i < bi)) { bv = v; bi = i; }
            }
#pragma unroll
            for (int o = 16; o > 0; o >>= 1) {
                const float ov = __shfl_xor_sync(0xffffffffu, bv, o);
                const int oi = __shfl_xor_sync(0xffffffffu, bi, o);
                if (ov > bv || (ov == bv && oi < bi)) { bv = ov; bi = oi; }
            }
            if (lane == 0) {
                *in.next = bi == 0x7fffffff ? 0 : bi;
                *in.counter = 0u;
            }
        }
    }
}

// Lets every GEMV mode take `bytes` of dynamic shared memory (needed above 48 KB, i.e. K > 24576).
inline cudaError_t allow_gemv_smem(int bytes) {
    cudaError_t e = cudaSuccess;
#define OLMO_ALLOW(MODE, PK)                                                                                       \
    if (e == cudaSuccess)                                                                                          \
        e = cudaFuncSetAttribute(gemv_kernel<MODE, PK>, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes);
    OLMO_ALLOW(GEMV_BF16, false) OLMO_ALLOW(GEMV_SWIGLU, false) OLMO_ALLOW(GEMV_F32, false)
    OLMO_ALLOW(GEMV_BF16, true) OLMO_ALLOW(GEMV_SWIGLU, true) OLMO_ALLOW(GEMV_F32, true)
#undef OLMO_ALLOW
    return e;
}

// ------------------------------------------------------------------ q/k norm + RoPE + KV write
// grid (n, 2): y == 0 normalises and rotates q (to qout); y == 1 does k (to the cache) and copies v.
// RMSNorm spans the full projection width (all heads together), as OLMo-2 does.
// prow (v16, a batched prefill pass): row r is at position prow[r].pos of slot prow[r].slot, whose
// cache is kc/vc + slot * slot_stride (p and pos0 unused); without it, row r is at (p ? p->pos : pos0) + r.
__global__ void qknorm_rope_kernel(const bf16 *__restrict__ qkv, int Q, int KV, int D, const bf16 *__restrict__ qw,
                                   const bf16 *__restrict__ kw, const float *__restrict__ inv_freq, const StepParams *p,
                                   int pos0, float eps, bf16 *qout, bf16 *kc, bf16 *vc, int max_seq,
                                   const StepParams *prow, size_t slot_stride) {
    extern __shared__ float ys[];
    __shared__ float red[33];
    pdl_launch();
    pdl_wait();
    const int row = blockIdx.x, isk = blockIdx.y, tid = threadIdx.x;
    int pos = (p ? p->pos : pos0) + row;
    if (prow) {  // copied before the pass's first kernel, like p
        const StepParams pr = prow[row];
        pos = pr.pos;
        kc += size_t(pr.slot) * slot_stride;
        vc += size_t(pr.slot) * slot_stride;
    }
    const int W = isk ? KV : Q;
    const bf16 *src = qkv + size_t(row) * (Q + 2 * KV) + (isk ? Q : 0);
    const bf16 *w = isk ? kw : qw;
    float ss = 0.f;
    if ((W & 7) == 0 && (Q & 7) == 0 && (KV & 7) == 0) {  // v7: 16-byte loads (rows and the k offset stay aligned)
        const uint4 *s8 = reinterpret_cast<const uint4 *>(src);
        for (int i = tid; i < W / 8; i += blockDim.x) {
            float v[8];
            unpack8(s8[i], v);
#pragma unroll
            for (int j = 0; j < 8; ++j) {
                ys[i * 8 + j] = v[j];
                ss += v[j] * v[j];
            }
        }
    } else {
        for (int i = tid; i < W; i += blockDim.x) {
            float v = bf2f(src[i]);
            ys[i] = v;
            ss += v * v;
        }
    }
    const float r = rsqrtf(block_sum(ss, red) / W + eps);
    for (int i = tid; i < W; i += blockDim.x) ys[i] = rbf(bf2f(w[i]) * (ys[i] * r));
    __syncthreads();
    const int half = D / 2;
    for (int i = tid; i < W / 2; i += blockDim.x) {
        const int h = i / half, d = i % half, i1 = h * D + d, i2 = i1 + half;
        float sn, cs;
        sincosf(float(pos) * inv_freq[d], &sn, &cs);
        const float x1 = ys[i1], x2 = ys[i2];
        const bf16 o1 = __float2bfloat16_rn(x1 * cs - x2 * sn), o2 = __float2bfloat16_rn(x2 * cs + x1 * sn);
        if (!isk) {
            qout[size_t(row) * Q + i1] = o1;
            qout[size_t(row) * Q + i2] = o2;
        } else {
            const size_t base = (size_t(h) * max_seq + pos) * D;
            kc[base + d] = o1;
            kc[base + d + half] = o2;
        }
    }
    if (isk) {
        const bf16 *v = src + KV;
        for (int i = tid; i < KV; i += blockDim.x) {
            const int h = i / D, d = i % D;
            vc[(size_t(h) * max_seq + pos) * D + d] = v[i];
        }
    }
}

// ------------------------------------------------------------------ decode attention (split-K)
// grid (heads, S). Block s handles positions [s*chunk, (s+1)*chunk) of the cache for one head,
// writes (max, sum, unnormalised o) partials; the last block to finish for a head combines them
// (flash-decoding with an in-kernel reduction, so one launch per layer).
template <int D>
__global__ void __launch_bounds__(128) attn_decode_kernel(const bf16 *__restrict__ q, const bf16 *__restrict__ kc,
                                                          const bf16 *__restrict__ vc, const StepParams *p, int max_seq,
                                                          int group, float scale, float *part_o, float *part_ml,
                                                          unsigned *counters, bf16 *out) {
    constexpr int PL = D >= 32 ? D / 32 : 1;  // dims per lane; below 32 dims, lanes >= D idle
    pdl_launch();
    pdl_wait();
    const int h = blockIdx.x, s = blockIdx.y, S = gridDim.y, kvh = h / group;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
    const bool act = D >= 32 || lane < D;  // this lane owns dims [lane*PL, lane*PL+PL)
    const int len = p->pos + 1;
    const int chunk = (len + S - 1) / S, start = s * chunk, end = min(len, start + chunk);
    float qv[PL], acc[PL];
#pragma unroll
    for (int j = 0; j < PL; ++j) {
        qv[j] = act ? bf2f(q[h * D + lane * PL + j]) * scale : 0.f;
        acc[j] = 0.f;
    }
    float m = -INFINITY, l = 0.f;
    const bf16 *kb = kc + size_t(kvh) * max_seq * D, *vb = vc + size_t(kvh) * max_seq * D;
    for (int t = start + warp; t < end; t += nw) {
        const bf16 *kr = kb + size_t(t) * D + lane * PL;
        float sc = 0.f;
#pragma unroll
        for (int j = 0; j < PL; ++j) sc += act ? qv[j] * bf2f(kr[j]) : 0.f;
        sc = warp_sum(sc);
        const float mn = fmaxf(m, sc), corr = __expf(m - mn), pe = __expf(sc - mn);
        l = l * corr + pe;
        const bf16 *vr = vb + size_t(t) * D + lane * PL;
#pragma unroll
        for (int j = 0; j < PL; ++j) acc[j] = act ? acc[j] * corr + pe * bf2f(vr[j]) : 0.f;
        m = mn;
    }
    // combine the warps of this block
    __shared__ float sm[4], sl[4], so[4][D];
    if (lane == 0) { sm[warp] = m; sl[warp] = l; }
#pragma unroll
    for (int j = 0; j < PL; ++j)
        if (act) so[warp][lane * PL + j] = acc[j];
    __syncthreads();
    const size_t pi = size_t(h) * S + s;
    if (warp == 0) {
        float M = -INFINITY;
        for (int w = 0; w < nw; ++w) M = fmaxf(M, sm[w]);
        float L = 0.f, o[PL];
#pragma unroll
        for (int j = 0; j < PL; ++j) o[j] = 0.f;
        for (int w = 0; w < nw; ++w) {
            const float f = sm[w] == -INFINITY ? 0.f : __expf(sm[w] - M);
            L += sl[w] * f;
#pragma unroll
            for (int j = 0; j < PL; ++j)
                if (act) o[j] += so[w][lane * PL + j] * f;
        }
#pragma unroll
        for (int j = 0; j < PL; ++j)
            if (act) part_o[pi * D + lane * PL + j] = o[j];
        if (lane == 0) { part_ml[pi * 2] = M; part_ml[pi * 2 + 1] = L; }
    }
    // last block for this head reduces the S partials
    __shared__ bool last;
    __threadfence();
    __syncthreads();
    if (threadIdx.x == 0) last = atomicAdd(&counters[h], 1u) == unsigned(S - 1);
    __syncthreads();
    if (!last) return;
    __threadfence();
    if (warp == 0) {
        const volatile float *pml = part_ml + size_t(h) * S * 2;
        const volatile float *po = part_o + size_t(h) * S * D;
        float M = -INFINITY;
        for (int i = 0; i < S; ++i) M = fmaxf(M, pml[i * 2]);
        float L = 0.f, o[PL];
#pragma unroll
        for (int j = 0; j < PL; ++j) o[j] = 0.f;
        for (int i = 0; i < S; ++i) {
            const float mi = pml[i * 2];
            const float f = mi == -INFINITY ? 0.f : __expf(mi - M);
            L += pml[i * 2 + 1] * f;
#pragma unroll
            for (int j = 0; j < PL; ++j)
                if (act) o[j] += po[i * D + lane * PL + j] * f;
        }
#pragma unroll
        for (int j = 0; j < PL; ++j)
            if (act) out[h * D + lane * PL + j] = __float2bfloat16_rn(o[j] / L);
        if (lane == 0) counters[h] = 0u;
    }
}

// PL consecutive bf16 as one load (8, 4 or 2 bytes) and their FP32 values.
template <int PL> struct PackOf;
template <> struct PackOf<4> {
    typedef uint2 T;
    __device__ static void unpack(const T &v, float (&f)[4]) {
        const float2 a = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162 *>(&v.x));
        const float2 b = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162 *>(&v.y));
        f[0] = a.x; f[1] = a.y; f[2] = b.x; f[3] = b.y;
    }
};
template <> struct PackOf<2> {
    typedef uint32_t T;
    __device__ static void unpack(const T &v, float (&f)[2]) {
        const float2 a = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162 *>(&v));
        f[0] = a.x; f[1] = a.y;
    }
};
template <> struct PackOf<1> {
    typedef unsigned short T;
    __device__ static void unpack(const T &v, float (&f)[1]) { f[0] = bf2f(*reinterpret_cast<const bf16 *>(&v)); }
};

// ------------------------------------------------------------------ fused decode attention
// As attn_decode_kernel, but reads the raw QKV projection: every block normalises q over the full
// width (a 4 KB L2 read) and rotates its head's slice; the block whose split owns the new position
// also normalises/rotates k and writes k and v into the cache before attending. Saves one launch
// per layer against qknorm_rope_kernel + attn_decode_kernel.
// The body of one (head h, split s of S) block; the pointers are already those of its sequence.
// DIRECT (v12): a row whose keys are all in one split (S == 1) writes its output from the block's own
// warp combine, skipping the partials, the fence, the counter and the re-read that the split combine
// needs (the same arithmetic: the combine of one split multiplies by exp(0) = 1).
template <int D, bool DIRECT = false, int X = 0>
__device__ __forceinline__ void attn_decode_fused_body(
    const int h, const int s, const int S, const bf16 *__restrict__ qkv, int Q, int KV, const bf16 *__restrict__ qw,
    const bf16 *__restrict__ kw, const float *__restrict__ inv_freq, float eps, bf16 *kc, bf16 *vc, const int pos,
    int max_seq, int group, float scale, float *part_o, float *part_ml, unsigned *counters, bf16 *out, bool pdl,
    int apf = 0, WeightPrefetch wpf = {}, int wpf_b = 0, int wpf_nb = 1) {
    constexpr int PL = D >= 32 ? D / 32 : 1, HALF = D / 2;  // as attn_decode_kernel
    // X (tuning variants, session 13; 0 = v19's code): bit 0 PRO, v20's prologue (OLMO_CUDA_APRO);
    // bit 1 PF, the L2 prefetches apf (OLMO_CUDA_APF) and wpf (OLMO_CUDA_WPF)
    constexpr bool PRO = (X & 1) != 0, PF = (X & 2) != 0;
    typedef typename PackOf<PL>::T Pack;
    __shared__ float red[66];
    __shared__ float sv[D], svk[D];
    const int kvh = h / group, tid = threadIdx.x;
    const int lane = tid & 31, warp = tid >> 5, nw = blockDim.x >> 5;
    const bool act = D >= 32 || lane < D;
    const int len = pos + 1;
    const int chunk = (len + S - 1) / S, start = s * chunk, end = min(len, start + chunk);
    // Each warp takes U consecutive keys per iteration: all K and V loads of the U keys are issued
    // before the first use, the U dot products reduce in one interleaved shuffle tree, and the
    // online softmax rescales once per U keys (latency of one round trip per U keys, not per key).
    constexpr int U = 8;
    const bf16 *kb = kc + size_t(kvh) * max_seq * D, *vb = vc + size_t(kvh) * max_seq * D;
    Pack kraw[U], vraw[U];
#define OLMO_LOAD_KV(T0)                                                                        \
    _Pragma("unroll") for (int u = 0; u < U; ++u) {                                             \
        const int t = (T0) + u;                                                                 \
        const bool ok = act && t < end;                                                         \
        kraw[u] = ok ? *reinterpret_cast<const Pack *>(kb + size_t(t) * D + lane * PL) : Pack{}; \
        vraw[u] = ok ? *reinterpret_cast<const Pack *>(vb + size_t(t) * D + lane * PL) : Pack{}; \
    }
    // v7: the warp's first U keys are loaded before anything else: the cache below position pos was
    // written by earlier steps, so with PDL these loads overlap the QKV projection still running,
    // and in any case the q/k norms' L2 round trips. Key pos itself (this step's, written below by
    // the block that owns it) is loaded again after that write.
    const int t_first = start + warp * U;
    if (t_first < end) { OLMO_LOAD_KV(t_first) }
    // PF, apf > 0 (the batched step): L2 fetches the apf keys and values after the block's first nw * U
    // (one bulk request each), so memory keeps streaming this block's cache while it waits for the QKV
    // projection and runs the q/k norms below; the loop's second iteration then reads them from L2.
    if (PF && apf > 0 && tid == 0) {
        const int a = start + nw * U, b = min(end, a + apf);
        if (b > a) {
            prefetch_l2_bulk(kb + size_t(a) * D, unsigned(b - a) * D * 2);
            prefetch_l2_bulk(vb + size_t(a) * D, unsigned(b - a) * D * 2);
        }
    }
    // PRO (v20): what does not depend on the projection is done before the wait: the
    // rotation's sin/cos and the norm weights of this head (else after it: one more L2 round trip in the
    // prologue). The weights wait in sv / svk (each thread reads back only its own element: no barrier
    // needed), not in registers, which hold the first keys until the loop.
    float sn = 0.f, cs = 1.f;
    if (PRO && tid < D) {
        sincosf(float(pos) * inv_freq[tid % HALF], &sn, &cs);
        sv[tid] = bf2f(qw[h * D + tid]);
        if (pos >= start && pos < end) svk[tid] = bf2f(kw[kvh * D + tid]);  // the owner below
    }
    if (pdl) pdl_wait();
    if (!PRO && tid < D) sincosf(float(pos) * inv_freq[tid % HALF], &sn, &cs);
    const bool owner = pos >= start && pos < end;  // block-uniform
    // q (and, in the block owning the new position, k): RMSNorm over the full projection width, both
    // sums of squares in one pass and one block reduction (v7; v6 did k, then q), then this head's
    // slice normalised, rotated and rounded; k and v go to the cache at pos. PRO: this head's slice of
    // q (and k, v) is requested together with the sums' loads, not after the reduction.
    float qx = 0.f, kx = 0.f;
    bf16 vx = bf16{};
    if (PRO && tid < D) {
        qx = bf2f(qkv[h * D + tid]);
        if (owner) {
            kx = bf2f(qkv[Q + kvh * D + tid]);
            vx = qkv[Q + KV + kvh * D + tid];
        }
    }
    auto sumsq = [&](const bf16 *x, int W) -> float {
        float ss = 0.f;
        if (PRO && (W & 7) == 0) {
            // two 16-byte chunks' loads in flight together (the same additions in the same order: a
            // missing second chunk adds +0)
            const uint4 *x8 = reinterpret_cast<const uint4 *>(x);
            const int n8 = W / 8, bd = blockDim.x;
            for (int i = tid; i < n8; i += 2 * bd) {
                const uint4 c0 = x8[i], c1 = i + bd < n8 ? x8[i + bd] : make_uint4(0, 0, 0, 0);
                float v[8];
                unpack8(c0, v);
#pragma unroll
                for (int j = 0; j < 8; ++j) ss += v[j] * v[j];
                unpack8(c1, v);
#pragma unroll
                for (int j = 0; j < 8; ++j) ss += v[j] * v[j];
            }
        } else if ((W & 7) == 0) {  // 16-byte loads: W = 2048 is two round trips per thread, not sixteen
            const uint4 *x8 = reinterpret_cast<const uint4 *>(x);
            for (int i = tid; i < W / 8; i += blockDim.x) {
                float v[8];
                unpack8(x8[i], v);
#pragma unroll
                for (int j = 0; j < 8; ++j) ss += v[j] * v[j];
            }
        } else {
            for (int i = tid; i < W; i += blockDim.x) {
                const float v = bf2f(x[i]);
                ss += v * v;
            }
        }
        return ss;
    };
    const float ssq = sumsq(qkv, Q), ssk = owner ? sumsq(qkv + Q, KV) : 0.f;
    const float2 tot = block_sum2(ssq, ssk, red);
    const float rq = rsqrtf(tot.x / Q + eps), rk = rsqrtf(tot.y / KV + eps);
    if (PRO && tid < D) {
        sv[tid] = rbf(sv[tid] * (qx * rq));
        if (owner) svk[tid] = rbf(svk[tid] * (kx * rk));
    } else if (tid < D) {
        sv[tid] = rbf(bf2f(qw[h * D + tid]) * (bf2f(qkv[h * D + tid]) * rq));
        if (owner) svk[tid] = rbf(bf2f(kw[kvh * D + tid]) * (bf2f(qkv[Q + kvh * D + tid]) * rk));
    }
    __syncthreads();
    float qr = 0.f;
    if (tid < D) {
        const int d = tid % HALF;
        qr = rbf(tid < HALF ? sv[d] * cs - sv[d + HALF] * sn : sv[d + HALF] * cs + sv[d] * sn);
        if (owner) {
            const float x1 = svk[d], x2 = svk[d + HALF];
            const size_t base = (size_t(kvh) * max_seq + pos) * D + tid;
            kc[base] = __float2bfloat16_rn(rbf(tid < HALF ? x1 * cs - x2 * sn : x2 * cs + x1 * sn));
            vc[base] = PRO ? vx : qkv[Q + KV + kvh * D + tid];
        }
    }
    __syncthreads();  // everyone has read sv
    if (tid < D) sv[tid] = qr;
    __syncthreads();  // also orders this block's cache writes before its reads
    float qv[PL], acc[PL];
#pragma unroll
    for (int j = 0; j < PL; ++j) {
        qv[j] = act ? sv[lane * PL + j] * scale : 0.f;
        acc[j] = 0.f;
    }
    if (act && pos < end && t_first <= pos && pos < t_first + U) {  // this block owns the new key, in the batch
#pragma unroll
        for (int u = 0; u < U; ++u)
            if (t_first + u == pos) {
                kraw[u] = *reinterpret_cast<const Pack *>(kb + size_t(pos) * D + lane * PL);
                vraw[u] = *reinterpret_cast<const Pack *>(vb + size_t(pos) * D + lane * PL);
            }
    }
    float m = -INFINITY, l = 0.f;
    for (int t0 = t_first; t0 < end; t0 += nw * U) {
        if (t0 != t_first) { OLMO_LOAD_KV(t0) }
#undef OLMO_LOAD_KV
        float sc[U];
#pragma unroll
        for (int u = 0; u < U; ++u) {
            float kf[PL];
            PackOf<PL>::unpack(kraw[u], kf);
            float d = 0.f;
#pragma unroll
            for (int j = 0; j < PL; ++j) d += qv[j] * kf[j];
            sc[u] = d;
        }
#pragma unroll
        for (int o = 16; o > 0; o >>= 1)
#pragma unroll
            for (int u = 0; u < U; ++u) sc[u] += __shfl_xor_sync(0xffffffffu, sc[u], o);
        float mx = m;
#pragma unroll
        for (int u = 0; u < U; ++u)
            if (t0 + u < end) mx = fmaxf(mx, sc[u]);
        const float corr = __expf(m - mx);  // m = -inf on the first keys: 0
        l *= corr;
#pragma unroll
        for (int j = 0; j < PL; ++j) acc[j] *= corr;
#pragma unroll
        for (int u = 0; u < U; ++u) {
            const float pe = t0 + u < end ? __expf(sc[u] - mx) : 0.f;
            l += pe;
            float vf[PL];
            PackOf<PL>::unpack(vraw[u], vf);
#pragma unroll
            for (int j = 0; j < PL; ++j) acc[j] += pe * vf[j];
        }
        m = mx;
    }
    // PF (v21): this block's keys are read; L2 fetches its share of the next GEMM's (o_proj's) first weights
    if (PF && tid == 0) prefetch_next_weights(wpf, wpf_b, wpf_nb);
    __shared__ float sm[4], sl[4], so[4][D];
    if (lane == 0) { sm[warp] = m; sl[warp] = l; }
#pragma unroll
    for (int j = 0; j < PL; ++j)
        if (act) so[warp][lane * PL + j] = acc[j];
    __syncthreads();
    const size_t pi = size_t(h) * S + s;
    if (warp == 0) {
        float M = -INFINITY;
        for (int w = 0; w < nw; ++w) M = fmaxf(M, sm[w]);
        float L = 0.f, o[PL];
#pragma unroll
        for (int j = 0; j < PL; ++j) o[j] = 0.f;
        for (int w = 0; w < nw; ++w) {
            const float f = sm[w] == -INFINITY ? 0.f : __expf(sm[w] - M);
            L += sl[w] * f;
#pragma unroll
            for (int j = 0; j < PL; ++j)
                if (act) o[j] += so[w][lane * PL + j] * f;
        }
        if (DIRECT && S == 1) {
#pragma unroll
            for (int j = 0; j < PL; ++j)
                if (act) out[h * D + lane * PL + j] = __float2bfloat16_rn(o[j] / L);
        } else {
#pragma unroll
            for (int j = 0; j < PL; ++j)
                if (act) part_o[pi * D + lane * PL + j] = o[j];
            if (lane == 0) { part_ml[pi * 2] = M; part_ml[pi * 2 + 1] = L; }
        }
    }
    if (DIRECT && S == 1) return;  // block-uniform
    __shared__ bool last;
    __threadfence();
    __syncthreads();
    if (tid == 0) last = atomicAdd(&counters[h], 1u) == unsigned(S - 1);
    __syncthreads();
    if (!last) return;
    __threadfence();
    if (warp == 0) {
        // v7: the lanes read the S partials' (m, l) in parallel (v6 read them one after another, twice,
        // through volatile loads: 2 S dependent L2 round trips), then o and L are summed in split order
        // as before (same arithmetic), the o loads of 4 splits in flight at once. __ldcg: from L2,
        // where the other blocks' partials are (their __threadfence before the counter).
        const float *pml = part_ml + size_t(h) * S * 2;
        const float *po = part_o + size_t(h) * S * D;
        float M = -INFINITY;
        for (int i = lane; i < S; i += 32) M = fmaxf(M, __ldcg(pml + i * 2));
        M = warp_max(M);
        float L = 0.f, o[PL];
#pragma unroll
        for (int j = 0; j < PL; ++j) o[j] = 0.f;
        for (int i0 = 0; i0 < S; i0 += 32) {
            float f = 0.f, li = 0.f;
            if (i0 + lane < S) {
                const float mi = __ldcg(pml + (i0 + lane) * 2);
                f = mi == -INFINITY ? 0.f : __expf(mi - M);
                li = __ldcg(pml + (i0 + lane) * 2 + 1);
            }
            const int n = min(32, S - i0);
#pragma unroll 4
            for (int k = 0; k < n; ++k) {
                const float fk = __shfl_sync(0xffffffffu, f, k), lk = __shfl_sync(0xffffffffu, li, k);
                L += lk * fk;
#pragma unroll
                for (int j = 0; j < PL; ++j)
                    if (act) o[j] += __ldcg(po + size_t(i0 + k) * D + lane * PL + j) * fk;
            }
        }
#pragma unroll
        for (int j = 0; j < PL; ++j)
            if (act) out[h * D + lane * PL + j] = __float2bfloat16_rn(o[j] / L);
        if (lane == 0) counters[h] = 0u;
    }
}

template <int D, bool DIRECT = false>
__global__ void __launch_bounds__(128, 4) attn_decode_fused_kernel(
    const bf16 *__restrict__ qkv, int Q, int KV, const bf16 *__restrict__ qw, const bf16 *__restrict__ kw,
    const float *__restrict__ inv_freq, float eps, bf16 *kc, bf16 *vc, const StepParams *p, int max_seq, int group,
    float scale, float *part_o, float *part_ml, unsigned *counters, bf16 *out, int kchunk = 0, int early = 1) {
    pdl_launch();
    // The step's position is in device memory before the graph's first kernel runs (a memcpy node
    // precedes it), so it may be read before griddepcontrol.wait; with `early` the body waits after
    // issuing its first cache loads (early == 0: wait first, as v6 did).
    if (!early) pdl_wait();
    // kchunk > 0: only ceil(len / kchunk) of the gridDim.y splits work (short contexts need few);
    // the others exit at once (the grid is fixed by the CUDA graph, the length is not).
    const int pos = p->pos;
    const int S = kchunk > 0 ? min(int(gridDim.y), max(1, (pos + kchunk) / kchunk)) : int(gridDim.y);
    if (int(blockIdx.y) >= S) return;
    attn_decode_fused_body<D, DIRECT>(blockIdx.x, blockIdx.y, S, qkv, Q, KV, qw, kw, inv_freq, eps, kc, vc, pos,
                                      max_seq, group, scale, part_o, part_ml, counters, out, early != 0);
}

// Batched decode: grid (heads, max splits, rows). Row r is token rows[r] of slot rows[r].slot at
// position rows[r].pos; its qkv row is qkv + r*(Q+2KV), its output att + r*Q, its caches those of
// its slot (kc/vc: layer l of slot 0, slot_stride elements per slot). The number of splits of a
// row depends only on its own length (ceil(len / kchunk), at most gridDim.y), so a row's arithmetic
// is the same whatever else is in the batch; blocks past a row's splits exit at once.
// v12 (MINB 8, DIRECT): at most 64 registers, so eight blocks fit an SM and the 1,024 blocks of 64 rows
// x 16 heads run as one wave (v10: 80 registers, six per SM, 1.29 waves: the last 0.29 ran on a
// mostly idle card); rows of one split write their output directly (see attn_decode_fused_body).
template <int D, int MINB = 4, bool DIRECT = false, int X = 0>
__global__ void __launch_bounds__(128, MINB) attn_decode_batch_kernel(
    const bf16 *__restrict__ qkv, int Q, int KV, const bf16 *__restrict__ qw, const bf16 *__restrict__ kw,
    const float *__restrict__ inv_freq, float eps, bf16 *kc, bf16 *vc, size_t slot_stride, const StepParams *rows,
    int max_seq, int group, float scale, int kchunk, float *part_o, float *part_ml, unsigned *counters, bf16 *out,
    int apf, WeightPrefetch wpf) {
    // v8: with PDL the rows (copied before the step's first kernel) and the cache below each row's
    // position (earlier steps) are read before the wait: the body issues its first keys' loads, then waits.
    pdl_launch();
    const int r = blockIdx.z, h = blockIdx.x, s = blockIdx.y, H = gridDim.x, SM = gridDim.y;
    const StepParams p = rows[r];
    const int S = min(SM, max(1, (p.pos + 1 + kchunk - 1) / kchunk));
    if (s >= S) return;
    const size_t so = size_t(p.slot) * slot_stride;
    const size_t hp = size_t(r) * H;  // this row's (head, split) partials start at (hp + h) * SM
    attn_decode_fused_body<D, DIRECT, X>(h, s, S, qkv + size_t(r) * (Q + 2 * KV), Q, KV, qw, kw, inv_freq, eps, kc + so, vc + so,
                              p.pos, max_seq, group, scale, part_o + hp * SM * D, part_ml + hp * SM * 2,
                              counters + hp, out + size_t(r) * Q, true, apf, s == 0 ? wpf : WeightPrefetch{},
                              h + H * r, H * int(gridDim.z));
}

// ------------------------------------------------------------------ prefill attention (flash, causal)
// grid (ceil(n/64), heads), 4 warps; each warp owns 16 query rows. Q fragments stay in registers,
// K/V tiles of 64 keys go through shared memory, S = QK^T and O += PV on tensor cores
// (mma.m16n8k16 bf16), online softmax in FP32, P rounded to BF16 for the PV product.
// seqs (v16, a batched prefill pass): grid (ceil(longest / 64), heads, sequences); block z takes
// sequence seqs[z] (n, pos0, its rows of q and out, its slot's cache: kc/vc + slot * slot_stride),
// its blocks past that sequence's rows exit. The same arithmetic per sequence as a launch of its own.
template <int D>
__global__ void __launch_bounds__(128) attn_prefill_kernel(const bf16 *__restrict__ q, const bf16 *__restrict__ kc,
                                                           const bf16 *__restrict__ vc, int n, int pos0, int max_seq,
                                                           int Qw, int group, float scale, bf16 *out,
                                                           const PrefillSeq *seqs, size_t slot_stride) {
    constexpr int BK = 64, LDS = D + 8;
    __shared__ __align__(16) bf16 Ks[BK][LDS];
    __shared__ __align__(16) bf16 Vs[BK][LDS];
    if (seqs) {  // copied before the pass's first kernel
        const PrefillSeq sq = seqs[blockIdx.z];
        if (int(blockIdx.x) * 64 >= sq.len) return;
        n = sq.len;
        pos0 = sq.pos0;
        q += size_t(sq.row0) * Qw;
        out += size_t(sq.row0) * Qw;
        kc += size_t(sq.slot) * slot_stride;
        vc += size_t(sq.slot) * slot_stride;
    }
    const int h = blockIdx.y, kvh = h / group, tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    const int g = lane >> 2, t = lane & 3;
    const int row0 = blockIdx.x * 64 + warp * 16;  // first query row of this warp (relative to chunk)
    const int kv_len = pos0 + n;
    pdl_launch();
    pdl_wait();
    // Q fragments
    uint32_t qa[D / 16][4];
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
#pragma unroll
        for (int e = 0; e < 4; ++e) {
            const int r = row0 + g + (e & 1) * 8, c = kk * 16 + 2 * t + (e >> 1) * 8;
            qa[kk][e] = r < n ? *reinterpret_cast<const uint32_t *>(q + size_t(r) * Qw + h * D + c) : 0u;
        }
    }
    float o[D / 8][4];
#pragma unroll
    for (int j = 0; j < D / 8; ++j) o[j][0] = o[j][1] = o[j][2] = o[j][3] = 0.f;
    float mrow[2] = {-INFINITY, -INFINITY}, lrow[2] = {0.f, 0.f};
    const int qpos[2] = {pos0 + row0 + g, pos0 + row0 + g + 8};
    const int last_key = pos0 + min(n, int(blockIdx.x) * 64 + 64) - 1;
    const bf16 *kb = kc + size_t(kvh) * max_seq * D, *vb = vc + size_t(kvh) * max_seq * D;
    for (int kt = 0; kt * BK <= last_key; ++kt) {
        __syncthreads();
        // v7: cp.async, so all of a thread's copies of the tile are in flight at once (v6's register
        // loop was not unrolled: eight dependent L2 round trips per tile)
        for (int c = tid; c < BK * D / 8; c += blockDim.x) {
            const int r = c / (D / 8), col = (c % (D / 8)) * 8, key = kt * BK + r;
            const bool ok = key < kv_len;
            const size_t go = ok ? size_t(key) * D + col : 0;
            cp_async16(&Ks[r][col], kb + go, ok);
            cp_async16(&Vs[r][col], vb + go, ok);
        }
        cp_async_commit();
        cp_async_wait<0>();
        __syncthreads();
        if (kt * BK > pos0 + row0 + 15) continue;  // whole tile in this warp's future (block-uniform sync kept)
        float sc[BK / 8][4];
#pragma unroll
        for (int j = 0; j < BK / 8; ++j) {
            sc[j][0] = sc[j][1] = sc[j][2] = sc[j][3] = 0.f;
#pragma unroll
            for (int kk = 0; kk < D / 16; ++kk) {
                const uint32_t b0 = *reinterpret_cast<const uint32_t *>(&Ks[j * 8 + g][kk * 16 + 2 * t]);
                const uint32_t b1 = *reinterpret_cast<const uint32_t *>(&Ks[j * 8 + g][kk * 16 + 2 * t + 8]);
                mma_bf16(sc[j], qa[kk][0], qa[kk][1], qa[kk][2], qa[kk][3], b0, b1);
            }
        }
        float mx[2] = {mrow[0], mrow[1]};
#pragma unroll
        for (int j = 0; j < BK / 8; ++j)
#pragma unroll
            for (int e = 0; e < 4; ++e) {
                const int key = kt * BK + j * 8 + 2 * t + (e & 1), hr = e >> 1;
                float v = sc[j][e] * scale;
                if (key > qpos[hr] || key >= kv_len) v = -INFINITY;
                sc[j][e] = v;
                mx[hr] = fmaxf(mx[hr], v);
            }
        float corr[2];
#pragma unroll
        for (int hr = 0; hr < 2; ++hr) {
            mx[hr] = fmaxf(mx[hr], __shfl_xor_sync(0xffffffffu, mx[hr], 1));
            mx[hr] = fmaxf(mx[hr], __shfl_xor_sync(0xffffffffu, mx[hr], 2));
            corr[hr] = mx[hr] == -INFINITY ? 1.f : __expf(mrow[hr] - mx[hr]);
            mrow[hr] = mx[hr];
            lrow[hr] *= corr[hr];
        }
        uint32_t pa[BK / 16][4];
#pragma unroll
        for (int j = 0; j < BK / 8; ++j) {
            float pv[4];
#pragma unroll
            for (int e = 0; e < 4; ++e) {
                const int hr = e >> 1;
                pv[e] = mrow[hr] == -INFINITY ? 0.f : __expf(sc[j][e] - mrow[hr]);
                lrow[hr] += pv[e];
            }
            pa[j / 2][(j & 1) * 2 + 0] = pack_bf16(pv[0], pv[1]);
            pa[j / 2][(j & 1) * 2 + 1] = pack_bf16(pv[2], pv[3]);
        }
#pragma unroll
        for (int j = 0; j < D / 8; ++j) {
            o[j][0] *= corr[0]; o[j][1] *= corr[0];
            o[j][2] *= corr[1]; o[j][3] *= corr[1];
        }
#pragma unroll
        for (int kk = 0; kk < BK / 16; ++kk) {
#pragma unroll
            for (int j = 0; j < D / 8; ++j) {
                const int c = j * 8 + g, r0 = kk * 16 + 2 * t;
                __nv_bfloat162 b0v, b1v;
                b0v.x = Vs[r0][c]; b0v.y = Vs[r0 + 1][c];
                b1v.x = Vs[r0 + 8][c]; b1v.y = Vs[r0 + 9][c];
                mma_bf16(o[j], pa[kk][0], pa[kk][1], pa[kk][2], pa[kk][3], *reinterpret_cast<uint32_t *>(&b0v),
                         *reinterpret_cast<uint32_t *>(&b1v));
            }
        }
    }
#pragma unroll
    for (int hr = 0; hr < 2; ++hr) {
        lrow[hr] += __shfl_xor_sync(0xffffffffu, lrow[hr], 1);
        lrow[hr] += __shfl_xor_sync(0xffffffffu, lrow[hr], 2);
    }
#pragma unroll
    for (int hr = 0; hr < 2; ++hr) {
        const int r = row0 + g + hr * 8;
        if (r >= n) continue;
        const float inv = 1.f / lrow[hr];
#pragma unroll
        for (int j = 0; j < D / 8; ++j)
            *reinterpret_cast<uint32_t *>(out + size_t(r) * Qw + h * D + j * 8 + 2 * t) =
                pack_bf16(o[j][hr * 2] * inv, o[j][hr * 2 + 1] * inv);
    }
}

// ------------------------------------------------------------------ GEMM (prefill)
// C[M, N] = A[M, K] · B[N, K]^T, BF16 in, FP32 accumulate on tensor cores (mma.m16n8k16).
// 128x128x32 block tile, 8 warps (2 x 4) of 64x32, cp.async double buffering.
// Requires K % 32 == 0 and 16-byte aligned rows. Epilogues: BF16, SwiGLU over interleaved
// (gate, up) column pairs (output width N/2), FP32.
enum { EPI_BF16 = 0, EPI_SWIGLU = 1, EPI_F32 = 2 };
constexpr int GBM = 128, GBN = 128, GBK = 32, GLD = GBK + 8;


template <int EPI>
__global__ void __launch_bounds__(256) gemm_kernel(const bf16 *__restrict__ A, const bf16 *__restrict__ B, int M, int N,
                                                   int K, void *C) {
    __shared__ __align__(16) bf16 As[2][GBM][GLD];
    __shared__ __align__(16) bf16 Bs[2][GBN][GLD];
    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31, g = lane >> 2, t = lane & 3;
    const int wm = warp >> 2, wn = warp & 3;  // warp tile origin: (wm*64, wn*32)
    const int m0 = blockIdx.y * GBM, n0 = blockIdx.x * GBN;
    float acc[4][4][4];
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) acc[i][j][0] = acc[i][j][1] = acc[i][j][2] = acc[i][j][3] = 0.f;

    auto load = [&](int stage, int k0) {
#pragma unroll
        for (int c = 0; c < 2; ++c) {
            const int idx = tid + c * 256, r = idx >> 2, col = (idx & 3) * 8;
            const int am = m0 + r, bn = n0 + r;
            cp_async16(&As[stage][r][col], A + size_t(am < M ? am : 0) * K + k0 + col, am < M);
            cp_async16(&Bs[stage][r][col], B + size_t(bn < N ? bn : 0) * K + k0 + col, bn < N);
        }
        cp_async_commit();
    };
    const int nk = K / GBK;
    load(0, 0);
    for (int kt = 0; kt < nk; ++kt) {
        const int st = kt & 1;
        if (kt + 1 < nk) {
            load(st ^ 1, (kt + 1) * GBK);
            cp_async_wait<1>();
        } else {
            cp_async_wait<0>();
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < GBK; kk += 16) {
            uint32_t af[4][4], bfr[4][2];
#pragma unroll
            for (int i = 0; i < 4; ++i) {
                const int r = wm * 64 + i * 16 + g;
                af[i][0] = *reinterpret_cast<const uint32_t *>(&As[st][r][kk + 2 * t]);
                af[i][1] = *reinterpret_cast<const uint32_t *>(&As[st][r + 8][kk + 2 * t]);
                af[i][2] = *reinterpret_cast<const uint32_t *>(&As[st][r][kk + 2 * t + 8]);
                af[i][3] = *reinterpret_cast<const uint32_t *>(&As[st][r + 8][kk + 2 * t + 8]);
            }
#pragma unroll
            for (int j = 0; j < 4; ++j) {
                const int c = wn * 32 + j * 8 + g;
                bfr[j][0] = *reinterpret_cast<const uint32_t *>(&Bs[st][c][kk + 2 * t]);
                bfr[j][1] = *reinterpret_cast<const uint32_t *>(&Bs[st][c][kk + 2 * t + 8]);
            }
#pragma unroll
            for (int i = 0; i < 4; ++i)
#pragma unroll
                for (int j = 0; j < 4; ++j) mma_bf16(acc[i][j], af[i][0], af[i][1], af[i][2], af[i][3], bfr[j][0], bfr[j][1]);
        }
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j)
#pragma unroll
            for (int hr = 0; hr < 2; ++hr) {
                const int r = m0 + wm * 64 + i * 16 + g + hr * 8, c = n0 + wn * 32 + j * 8 + 2 * t;
                if (r >= M || c >= N) continue;
                const float v0 = acc[i][j][hr * 2], v1 = acc[i][j][hr * 2 + 1];
                // Paired stores need an even N (alignment) and column c+1 inside the row; an odd
                // N (e.g. a vocabulary of 50257 in the all-logits epilogue) takes scalar stores.
                const bool pair = !(N & 1) && c + 1 < N;
                if (EPI == EPI_BF16) {
                    bf16 *o = reinterpret_cast<bf16 *>(C) + size_t(r) * N + c;
                    if (pair) {
                        *reinterpret_cast<uint32_t *>(o) = pack_bf16(v0, v1);
                    } else {
                        o[0] = __float2bfloat16_rn(v0);
                        if (c + 1 < N) o[1] = __float2bfloat16_rn(v1);
                    }
                } else if (EPI == EPI_F32) {
                    float *o = reinterpret_cast<float *>(C) + size_t(r) * N + c;
                    if (pair) {
                        *reinterpret_cast<float2 *>(o) = make_float2(v0, v1);
                    } else {
                        o[0] = v0;
                        if (c + 1 < N) o[1] = v1;
                    }
                } else {  // SWIGLU: N = 2 * intermediate, always even
                    const float gt = rbf(v0), up = rbf(v1);
                    reinterpret_cast<bf16 *>(C)[size_t(r) * (N / 2) + c / 2] = __float2bfloat16_rn(rbf(silu(gt)) * up);
                }
            }
}

// ------------------------------------------------------------------ GEMM (batched decode)
// C[M, N] = A[M, K] · B[N, K]^T for few rows (M = active sequences): streams B (the weights) once
// per 64-row tile of A. Block tile 64 (M) x 64 (N) x BK (K), 4 warps side by side in N (16 columns
// each, all 64 rows; m16 tiles past M are skipped), ST-stage cp.async pipeline, ldmatrix fragments. grid (ceil(M/64),
// ceil(N/64), S): z splits K into S ranges of klen (a multiple of BK) when the N tiles alone cannot
// fill the GPU; S depends only on N and K, never on M, and partials are summed in split order, so a
// row's result does not depend on how many other rows there are (batch invariance).
// S == 1 and C != nullptr: the epilogue is applied here; otherwise FP32 partials to ws[z][M][N], then
// // gemm_splitk_reduce_kernel or splitk_norm_residual_kernel. K must be a multiple of 8 (16-byte rows); a
// tail short of BK is zero-filled.
// EPI_F32 with rows != nullptr writes row r to C + rows[r].slot * N (logits land in their slot's row).
// Template <EPI, BK, ST>: K tile BK, ST pipeline stages. v6: BK 32, 8 stages (80 KB) ran at ~1.0 TB/s
// on an H200 (ncu, batch 64): each block reads 64-byte pieces of 64 weight rows per stage. v7: BK 64,
// 5 stages (90 KB, two blocks per SM on Hopper, one on sm_86/89): whole 128-byte lines of each row
// per stage, half the barriers per byte, and the weight copies ask L2 to fetch 256 bytes around each
// request (cp.async .L2::256B), so a row's next stages are L2 hits.
// v8: the weights of the first ST - 1 stages are requested before griddepcontrol.wait, so with
// programmatic dependent launch they stream in while the kernel before finishes. (A wider tile,
// 8 warps x 128 columns sharing each A tile, was tried and measured 1-3 % slower on an H100:
// native/NOTES.md "v8".)
constexpr int DBM = 64, DBN = 64;
constexpr int DBK = 64, DST = 5;           // v7
constexpr int DBK_V6 = 32, DST_V6 = 8;     // v6 (OLMO_CUDA_OLD=dgemm)
constexpr int gemm_decode_smem(int bk, int st) { return st * (DBM + DBN) * (bk + 8) * 2; }
constexpr int kGemmDecodeSmem = gemm_decode_smem(DBK, DST);
constexpr int kGemmDecodeSmemV6 = gemm_decode_smem(DBK_V6, DST_V6);

// cp.async of 16 bytes with an L2 prefetch of the surrounding 256 bytes (sm_80+).
__device__ __forceinline__ void cp_async16_l2pf(void *smem, const void *gmem, bool valid) {
    const unsigned s = static_cast<unsigned>(__cvta_generic_to_shared(smem));
    const int sz = valid ? 16 : 0;
    asm volatile("cp.async.cg.shared.global.L2::256B [%0], [%1], 16, %2;\n" ::"r"(s), "l"(gmem), "r"(sz));
}


template <int EPI>
__device__ __forceinline__ void epilogue_pair(void *C, int r, int c, int N, float v0, float v1, const StepParams *rows) {
    if (EPI == EPI_BF16) {
        bf16 *o = reinterpret_cast<bf16 *>(C) + size_t(r) * N + c;
        if (!(N & 1) && c + 1 < N) {
            *reinterpret_cast<uint32_t *>(o) = pack_bf16(v0, v1);
        } else {
            o[0] = __float2bfloat16_rn(v0);
            if (c + 1 < N) o[1] = __float2bfloat16_rn(v1);
        }
    } else if (EPI == EPI_F32) {
        float *o = reinterpret_cast<float *>(C) + size_t(rows ? rows[r].slot : r) * N + c;
        if (!(N & 1) && c + 1 < N) {
            *reinterpret_cast<float2 *>(o) = make_float2(v0, v1);
        } else {
            o[0] = v0;
            if (c + 1 < N) o[1] = v1;
        }
    } else {  // SWIGLU over the (gate, up) pair at columns c, c+1; N = 2 * intermediate
        const float gt = rbf(v0), up = rbf(v1);
        reinterpret_cast<bf16 *>(C)[size_t(r) * (N / 2) + c / 2] = __float2bfloat16_rn(rbf(silu(gt)) * up);
    }
}

// The first ST - 1 stages of a GEMM's cp.async pipeline (v8): the weights (load_b; constant) are
// requested before griddepcontrol.wait, so with programmatic dependent launch they stream in while
// the kernel before finishes; the activations (load_a) and every write come after it. Group 0 holds
// those weights and A's stage 0, group st A's stage st: wait_group<ST - 2> at iteration kt still
// covers stage kt. load_b / load_a (stage, k tile).
template <int ST, class LoadB, class LoadA>
__device__ __forceinline__ void pipeline_start(int nk, LoadB &&load_b, LoadA &&load_a) {
    pdl_launch();
#pragma unroll
    for (int st = 0; st < ST - 1; ++st)
        if (st < nk) load_b(st, st);
    pdl_wait();
#pragma unroll
    for (int st = 0; st < ST - 1; ++st) {
        if (st < nk) load_a(st, st);
        cp_async_commit();
    }
}

// One (row r, columns c, c + 1) result of a batched-decode GEMM block: the epilogue where the grid
// has one split and C is given, else split blockIdx.z's FP32 partials to ws[z][M][N].
template <int EPI>
__device__ __forceinline__ void store_pair(void *C, float *ws, int M, int N, int r, int c, float v0, float v1,
                                           const StepParams *rows) {
    if (gridDim.z == 1 && C) {
        epilogue_pair<EPI>(C, r, c, N, v0, v1, rows);
    } else {
        float *o = ws + (size_t(blockIdx.z) * M + r) * N + c;
        o[0] = v0;
        if (c + 1 < N) o[1] = v1;
    }
}

// A gemm_decode_kernel warp's results (rows 16 i + lane / 4 (+ 8) for i < mtiles, columns c0 + 8 j +
// 2 (lane % 4) (+ 1)), rows from mrows on and columns from N on left out.
template <int EPI>
__device__ __forceinline__ void store_warp_tile(const float (&acc)[4][2][4], int mtiles, int mrows, int m0, int c0,
                                                void *C, float *ws, int M, int N, const StepParams *rows) {
    const int lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        if (i >= mtiles) continue;
#pragma unroll
        for (int j = 0; j < 2; ++j)
#pragma unroll
            for (int hr = 0; hr < 2; ++hr) {
                const int rl = i * 16 + g + hr * 8, c = c0 + j * 8 + 2 * t;
                if (rl < mrows && c < N)
                    store_pair<EPI>(C, ws, M, N, m0 + rl, c, acc[i][j][hr * 2], acc[i][j][hr * 2 + 1], rows);
            }
    }
}

template <int EPI, int BK = DBK, int ST = DST>
__global__ void __launch_bounds__(128) gemm_decode_kernel(const bf16 *__restrict__ A, const bf16 *__restrict__ B,
                                                          int M, int N, int K, int klen, float *ws, void *C,
                                                          const StepParams *rows) {
    constexpr int DLD = BK + 8, CPR = BK / 8;  // row pitch (conflict-free ldmatrix), 16-byte chunks per row
    extern __shared__ uint4 gd_smem[];
    typedef bf16 Tile[DBM][DLD];
    Tile *As = reinterpret_cast<Tile *>(gd_smem);        // [ST]
    Tile *Bs = As + ST;                                  // [ST] (DBN == DBM)
    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    const int m0 = blockIdx.x * DBM, n0 = blockIdx.y * DBN;
    const int kbeg = blockIdx.z * klen, kend = min(K, kbeg + klen);
    const int mrows = min(DBM, M - m0);
    const int mtiles = (mrows + 15) >> 4;  // warp-uniform
    float acc[4][2][4];
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j) acc[i][j][0] = acc[i][j][1] = acc[i][j][2] = acc[i][j][3] = 0.f;
    const int nk = (kend - kbeg + BK - 1) / BK;
    auto load_b = [&](int stage, int kt) {
        const int k0 = kbeg + kt * BK;
#pragma unroll
        for (int c = 0; c < CPR / 2; ++c) {  // B: 64 rows x CPR chunks of 16 bytes
            const int idx = tid + c * 128, r = idx / CPR, col = (idx % CPR) * 8;
            const int bn = n0 + r, kk = k0 + col;
            const bool ok = bn < N && kk < kend;
            if (BK >= 64) cp_async16_l2pf(&Bs[stage][r][col], B + (ok ? size_t(bn) * K + kk : 0), ok);
            else cp_async16(&Bs[stage][r][col], B + (ok ? size_t(bn) * K + kk : 0), ok);
        }
    };
    auto load_a = [&](int stage, int kt) {
        const int k0 = kbeg + kt * BK;
#pragma unroll
        for (int c = 0; c < CPR / 2; ++c) {  // A: only the rows that exist
            const int idx = tid + c * 128, r = idx / CPR, col = (idx % CPR) * 8;
            const int kk = k0 + col;
            if (r < mrows) {
                const bool ok = kk < kend;
                cp_async16(&As[stage][r][col], A + (ok ? size_t(m0 + r) * K + kk : 0), ok);
            }
        }
    };
    pipeline_start<ST>(nk, load_b, load_a);  // v8: weights before the PDL wait
    // ldmatrix addresses: lane l serves row (l & 7) of 8x8 matrix l >> 3
    const int lm = lane >> 3, lr = lane & 7;
    const int a_row = (lm & 1) * 8 + lr, a_col = (lm >> 1) * 8;            // a0..a3 of an m16 x k16 tile
    const int b_row = warp * 16 + (lm >> 1) * 8 + lr, b_col = (lm & 1) * 8;  // b0, b1 of two n8 tiles
    for (int kt = 0; kt < nk; ++kt) {
        cp_async_wait<ST - 2>();
        __syncthreads();
        {  // prefetch into the stage the previous iteration finished with
            const int nt = kt + ST - 1;
            if (nt < nk) {
                load_b(nt % ST, nt);
                load_a(nt % ST, nt);
            }
            cp_async_commit();
        }
        const int st = kt % ST;
#pragma unroll
        for (int kk = 0; kk < BK; kk += 16) {
            uint32_t bfr[4];
            ldmatrix_x4(bfr, &Bs[st][b_row][kk + b_col]);
#pragma unroll
            for (int i = 0; i < 4; ++i) {
                if (i < mtiles) {
                    uint32_t a[4];
                    ldmatrix_x4(a, &As[st][i * 16 + a_row][kk + a_col]);
                    mma_bf16(acc[i][0], a[0], a[1], a[2], a[3], bfr[0], bfr[1]);
                    mma_bf16(acc[i][1], a[0], a[1], a[2], a[3], bfr[2], bfr[3]);
                }
            }
        }
    }
    cp_async_wait<0>();
    store_warp_tile<EPI>(acc, mtiles, mrows, m0, n0 + warp * 16, C, ws, M, N, rows);
}

// Lets every instance of gemm_decode_kernel (v7 and v6 tiles) take its dynamic shared memory.
inline cudaError_t allow_gemm_decode_smem() {
    cudaError_t e = cudaSuccess;
#define OLMO_ALLOW(EPI, BK, ST)                                                                                    \
    if (e == cudaSuccess)                                                                                          \
        e = cudaFuncSetAttribute(gemm_decode_kernel<EPI, BK, ST>, cudaFuncAttributeMaxDynamicSharedMemorySize,     \
                                 gemm_decode_smem(BK, ST));
    OLMO_ALLOW(EPI_BF16, DBK, DST) OLMO_ALLOW(EPI_SWIGLU, DBK, DST) OLMO_ALLOW(EPI_F32, DBK, DST)
    OLMO_ALLOW(EPI_BF16, DBK_V6, DST_V6) OLMO_ALLOW(EPI_SWIGLU, DBK_V6, DST_V6) OLMO_ALLOW(EPI_F32, DBK_V6, DST_V6)
#undef OLMO_ALLOW
    return e;
}

// ------------------------------------------------------------------ GEMM (prefill, v7)
// As gemm_kernel (C[M, N] = A[M, K] · B[N, K]^T, same epilogues, K % 32 == 0), with ldmatrix
// fragments and a GST-stage cp.async pipeline (GST - 1 tiles in flight while one is multiplied).
// Block tile BM (128 or 64) x 128 x 32, 8 warps as 2 (M) x 4 (N), warp tile (BM / 2) x 32. The
// backend takes BM = 64 where 128-row tiles would leave SMs idle (e.g. N = 2048 at M = 512: 64
// blocks of 128 rows on 132 SMs, 128 blocks of 64 rows). Dynamic shared memory gemm_tc_smem(BM)
// (80 KB / 60 KB: opt-in, allow_gemm_tc_smem).
// v9: template <BK, ST>; the backend takes BK 64 with 3 stages (108 KB / 81 KB, still two blocks per
// SM) where K % 64 == 0 and the card has the shared memory (not sm_86/89): four k16 steps per barrier
// instead of two and 72 KB (BM 128) of tiles in flight instead of 60 KB, against the 157-242 TFLOP/s the
// v7 tiles (BK 32, 4 stages) measured in a 512-token prefill (NOTES.md v8; v9: TTFT 6.96 -> 6.20 ms
// on an H100). OLMO_CUDA_OLD=tc7 keeps BK 32. On H100/H200 gemm_wg_kernel (v10) takes the prefill.
constexpr int GST = 4;                        // v7: BK 32, 4 stages
constexpr int GBK9 = 64, GST9 = 3;            // v9: BK 64, 3 stages
constexpr int gemm_tc_smem(int bm, int bk = GBK, int st = GST) { return st * (bm + GBN) * (bk + 8) * 2; }

template <int EPI, int BM, int BK = GBK, int ST = GST>
__global__ void __launch_bounds__(256, 2) gemm_tc_kernel(const bf16 *__restrict__ A, const bf16 *__restrict__ B, int M,
                                                         int N, int K, void *C) {
    constexpr int MI = BM / 32;  // m16 tiles per warp
    constexpr int LD = BK + 8, CPR = BK / 8;  // row pitch (conflict-free ldmatrix), 16-byte chunks per row
    extern __shared__ uint4 gt_smem[];
    typedef bf16 ATile[BM][LD];
    typedef bf16 BTile[GBN][LD];
    ATile *As = reinterpret_cast<ATile *>(gt_smem);            // [ST]
    BTile *Bs = reinterpret_cast<BTile *>(As + ST);            // [ST]
    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31, g = lane >> 2, t = lane & 3;
    const int wm = warp >> 2, wn = warp & 3;  // warp tile origin: (wm * BM / 2, wn * 32)
    const int m0 = blockIdx.y * BM, n0 = blockIdx.x * GBN;
    float acc[MI][4][4];
#pragma unroll
    for (int i = 0; i < MI; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) acc[i][j][0] = acc[i][j][1] = acc[i][j][2] = acc[i][j][3] = 0.f;
    auto load_a = [&](int stage, int kt) {
        const int k0 = kt * BK;
#pragma unroll
        for (int c = 0; c < BM * CPR / 256; ++c) {  // A: BM rows x CPR chunks of 16 bytes
            const int idx = tid + c * 256, r = idx / CPR, col = (idx % CPR) * 8, am = m0 + r;
            cp_async16(&As[stage][r][col], A + size_t(am < M ? am : 0) * K + k0 + col, am < M);
        }
    };
    auto load_b = [&](int stage, int kt) {
        const int k0 = kt * BK;
#pragma unroll
        for (int c = 0; c < GBN * CPR / 256; ++c) {  // B: 128 rows x CPR chunks
            const int idx = tid + c * 256, r = idx / CPR, col = (idx % CPR) * 8, bn = n0 + r;
            cp_async16(&Bs[stage][r][col], B + size_t(bn < N ? bn : 0) * K + k0 + col, bn < N);
        }
    };
    const int nk = K / BK;
    pipeline_start<ST>(nk, load_b, load_a);  // v8: weights of the first stages before the PDL wait
    // ldmatrix row addresses: lane l serves row (l & 7) of matrix l >> 3
    const int lm = lane >> 3, lr = lane & 7;
    const int a_row = wm * (BM / 2) + (lm & 1) * 8 + lr, a_col = (lm >> 1) * 8;  // a0..a3 of an m16 x k16 tile
    const int b_row = wn * 32 + (lm >> 1) * 8 + lr, b_col = (lm & 1) * 8;      // b0, b1 of two n8 tiles
    for (int kt = 0; kt < nk; ++kt) {
        cp_async_wait<ST - 2>();  // tile kt has landed (this thread's copies) ...
        __syncthreads();          // ... everyone's, and everyone is done with tile kt - 1
        {
            const int nt = kt + ST - 1;  // refill the stage tile kt - 1 used
            if (nt < nk) {
                load_a(nt % ST, nt);
                load_b(nt % ST, nt);
            }
            cp_async_commit();
        }
        const int st = kt % ST;
#pragma unroll
        for (int kk = 0; kk < BK; kk += 16) {
            uint32_t af[MI][4], bfr[2][4];
#pragma unroll
            for (int i = 0; i < MI; ++i) ldmatrix_x4(af[i], &As[st][a_row + i * 16][kk + a_col]);
#pragma unroll
            for (int jp = 0; jp < 2; ++jp) ldmatrix_x4(bfr[jp], &Bs[st][b_row + jp * 16][kk + b_col]);
#pragma unroll
            for (int i = 0; i < MI; ++i)
#pragma unroll
                for (int j = 0; j < 4; ++j)
                    mma_bf16(acc[i][j], af[i][0], af[i][1], af[i][2], af[i][3], bfr[j >> 1][(j & 1) * 2],
                             bfr[j >> 1][(j & 1) * 2 + 1]);
        }
    }
    cp_async_wait<0>();
#pragma unroll
    for (int i = 0; i < MI; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j)
#pragma unroll
            for (int hr = 0; hr < 2; ++hr) {
                const int r = m0 + wm * (BM / 2) + i * 16 + g + hr * 8, c = n0 + wn * 32 + j * 8 + 2 * t;
                if (r < M && c < N) epilogue_pair<EPI>(C, r, c, N, acc[i][j][hr * 2], acc[i][j][hr * 2 + 1], nullptr);
            }
}

// Lets every instance of gemm_tc_kernel take its dynamic shared memory; the v9 tiles (108 KB at
// BM 128) only where the card allows that much per block (optin: not on sm_86/89, 99 KB).
constexpr int kGemmTc9MaxSmem = gemm_tc_smem(128, GBK9, GST9);
inline cudaError_t allow_gemm_tc_smem(int optin) {
    cudaError_t e = cudaSuccess;
#define OLMO_ALLOW(EPI, BM, BK, ST)                                                                                \
    if (e == cudaSuccess)                                                                                          \
        e = cudaFuncSetAttribute(gemm_tc_kernel<EPI, BM, BK, ST>, cudaFuncAttributeMaxDynamicSharedMemorySize,     \
                                 gemm_tc_smem(BM, BK, ST));
#define OLMO_ALLOW_BK(BK, ST)                                                                                      \
    OLMO_ALLOW(EPI_BF16, 128, BK, ST) OLMO_ALLOW(EPI_SWIGLU, 128, BK, ST) OLMO_ALLOW(EPI_F32, 128, BK, ST)          \
    OLMO_ALLOW(EPI_BF16, 64, BK, ST) OLMO_ALLOW(EPI_SWIGLU, 64, BK, ST) OLMO_ALLOW(EPI_F32, 64, BK, ST)
    OLMO_ALLOW_BK(GBK, GST)
    if (optin >= kGemmTc9MaxSmem) { OLMO_ALLOW_BK(GBK9, GST9) }
#undef OLMO_ALLOW_BK
#undef OLMO_ALLOW
    return e;
}

// Batched decode, v7: the split-K reduction of a projection that feeds a post-norm residual, fused
// with that norm (and for the last layer with the final norm). One block per row r, N % 8 == 0,
// dynamic shared memory N floats:
//   a = bf16(sum over z in split order of ws[z][r][:])     (gemm_splitk_reduce_kernel, EPI_BF16)
//   x[r] = bf16(x[r] + bf16(rmsnorm(a) * w))                (rownorm_kernel mode 0)
//   w_final: y[r] = bf16(rmsnorm(x[r]) * w_final)           (rownorm_kernel mode 1)
// Replaces reduce + norm (+ final norm) launches by one, each thread owning 8 columns.
// v19: launched with 128 threads (was 256), the block size of the GEMM that runs the same row function
// after its grid barrier (gemm_wg_kernel with GemmExtra::bar), so both give the same bits: the
// per-thread sums and the block reduction depend on the block size. The partials are read from L2
// (__ldcg): in the fused case other SMs wrote them during this kernel.
__device__ __forceinline__ void splitk_norm_row(const float *__restrict__ ws, int S, int M, int N, int r, bf16 *x,
                                                const bf16 *__restrict__ w, const bf16 *__restrict__ w_final, float eps,
                                                bf16 *y, float *as, float *red) {
    // Each thread takes the 8-column chunks c8 = tid, tid + blockDim, ... two at a time, so both chunks'
    // loads are in flight together (1B: 256 chunks, 128 threads: one L2 round trip per phase, not two);
    // per thread the sums run over its chunks in the order of a one-chunk-at-a-time loop.
    const int tid = threadIdx.x, C8 = N / 8, step = blockDim.x;
    float ss = 0.f;
    for (int c0 = tid; c0 < C8; c0 += 2 * step) {
        const int cs[2] = {c0, c0 + step};
        float v[2][8] = {};
#pragma unroll 2
        for (int z = 0; z < S; ++z)
#pragma unroll
            for (int u = 0; u < 2; ++u) {
                if (cs[u] >= C8) continue;
                const float *p = ws + (size_t(z) * M + r) * N + cs[u] * 8;
                const float4 lo = __ldcg(reinterpret_cast<const float4 *>(p));
                const float4 hi = __ldcg(reinterpret_cast<const float4 *>(p + 4));
                v[u][0] += lo.x; v[u][1] += lo.y; v[u][2] += lo.z; v[u][3] += lo.w;
                v[u][4] += hi.x; v[u][5] += hi.y; v[u][6] += hi.z; v[u][7] += hi.w;
            }
#pragma unroll
        for (int u = 0; u < 2; ++u) {
            if (cs[u] >= C8) continue;
#pragma unroll
            for (int j = 0; j < 8; ++j) {
                v[u][j] = rbf(v[u][j]);
                ss += v[u][j] * v[u][j];
            }
            reinterpret_cast<float4 *>(as)[cs[u] * 2] = make_float4(v[u][0], v[u][1], v[u][2], v[u][3]);
            reinterpret_cast<float4 *>(as)[cs[u] * 2 + 1] = make_float4(v[u][4], v[u][5], v[u][6], v[u][7]);
        }
    }
    const float rr = rsqrtf(block_sum(ss, red) / N + eps);
    uint4 *x8 = reinterpret_cast<uint4 *>(x + size_t(r) * N);
    const uint4 *w8 = reinterpret_cast<const uint4 *>(w);
    float ss2 = 0.f;
    for (int c0 = tid; c0 < C8; c0 += 2 * step) {
        const int cs[2] = {c0, c0 + step};
        uint4 xr[2], wr[2];
#pragma unroll
        for (int u = 0; u < 2; ++u)
            if (cs[u] < C8) {
                xr[u] = x8[cs[u]];
                wr[u] = w8[cs[u]];
            }
#pragma unroll
        for (int u = 0; u < 2; ++u) {
            if (cs[u] >= C8) continue;
            float xv[8], wv[8], o[8];
            unpack8(xr[u], xv);
            unpack8(wr[u], wv);
#pragma unroll
            for (int j = 0; j < 8; ++j) {
                o[j] = rbf(xv[j] + rbf(wv[j] * (as[cs[u] * 8 + j] * rr)));
                ss2 += o[j] * o[j];
            }
            x8[cs[u]] = pack8(o);
            if (w_final) {
                reinterpret_cast<float4 *>(as)[cs[u] * 2] = make_float4(o[0], o[1], o[2], o[3]);
                reinterpret_cast<float4 *>(as)[cs[u] * 2 + 1] = make_float4(o[4], o[5], o[6], o[7]);
            }
        }
    }
    if (!w_final) return;
    const float r2 = rsqrtf(block_sum(ss2, red) / N + eps);
    const uint4 *f8 = reinterpret_cast<const uint4 *>(w_final);
    uint4 *y8 = reinterpret_cast<uint4 *>(y + size_t(r) * N);
    for (int c8 = tid; c8 < C8; c8 += step) {
        float wf[8], o[8];
        unpack8(f8[c8], wf);
#pragma unroll
        for (int j = 0; j < 8; ++j) o[j] = wf[j] * (as[c8 * 8 + j] * r2);
        y8[c8] = pack8(o);
    }
}
constexpr int kSplitkNormThreads = 128;  // v19: the fused GEMM's block size (see splitk_norm_row)
__global__ void __launch_bounds__(kSplitkNormThreads) splitk_norm_residual_kernel(
    const float *__restrict__ ws, int S, int M, int N, bf16 *x, const bf16 *__restrict__ w,
    const bf16 *__restrict__ w_final, float eps, bf16 *y) {
    extern __shared__ float4 sn_smem[];
    __shared__ float red[33];
    pdl_launch();
    pdl_wait();
    splitk_norm_row(ws, S, M, N, blockIdx.x, x, w, w_final, eps, y, reinterpret_cast<float *>(sn_smem), red);
}

// Grid-wide barrier for a grid whose blocks are all resident at once (the caller's guarantee: at most
// as many blocks as SMs, each SM able to hold one; with PDL the next kernel cannot take an SM first,
// because it launches only once every block of this grid has passed griddepcontrol.launch_dependents).
// bar = {arrivals, generation}: the last block to arrive resets the count and bumps the generation the
// others spin on, so it is ready for the next use without a reset. Writes before it (by any thread of
// any block) are visible after it to loads that go to L2. What the guarantee cannot cover is another
// engine or process running kernels on the same device at that moment: its blocks may hold SMs this
// grid needs. So a block that has waited kBarrierTimeoutNs traps (the step then fails with a launch
// error, and the backend's message names this and OLMO_CUDA_OLD=gnorm) instead of hanging forever;
// a GEMM takes ~10-30 us, so a wait that long is never a slow one.
constexpr unsigned long long kBarrierTimeoutNs = 2000000000ull;  // 2 s
__device__ __forceinline__ unsigned long long global_ns() {
    unsigned long long t;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
    return t;
}
__device__ __forceinline__ void grid_barrier(unsigned *bar, unsigned nblocks) {
    __syncthreads();
    if (threadIdx.x == 0) {
        volatile unsigned *gen = bar + 1;
        const unsigned g = *gen;  // cannot move before every block (this one too) has arrived
        __threadfence();
        if (atomicAdd(bar, 1u) == nblocks - 1) {
            bar[0] = 0u;
            __threadfence();
            atomicExch(bar + 1, g + 1u);
        } else {
            const unsigned long long t0 = global_ns();
            while (*gen == g) {
                __nanosleep(64);
                if (global_ns() - t0 > kBarrierTimeoutNs) __trap();
            }
        }
        __threadfence();
    }
    __syncthreads();
}

// ------------------------------------------------------------------ GEMM with wgmma (v10, sm_90a)
// C[M, N] = A[M, K] · B[N, K]^T on Hopper's warpgroup MMA, for the batched decode step (M = active
// sequences, split-K as gemm_decode_kernel) and the prefill (M = tokens, no split). The weights are
// read from a packed copy (pack_tiles_kernel, made once at load): tiles of 64 rows x 64 columns,
// tile (nt, kt) at (nt * ktiles + kt) * 4096 elements, row r's 16-byte chunk c at r * 8 + (c ^ (r & 7))
// — the 128-byte swizzle wgmma reads without bank conflicts, and one contiguous 8 KB copy per tile.
// A (activations, K-major) is copied by cp.async into the same swizzled layout; it is wgmma's A
// operand (64 rows per warpgroup, MW warpgroups per block), the weights its B operand (BN rows), both
// from shared memory, accumulators in registers in mma.sync's row/column layout (so the epilogues and
// the FP32 split-K partials are gemm_decode_kernel's). Summation order per output = gemm_decode_kernel's
// (k16 steps in order within each split): on an H100 both give bit-identical results
// (native/gpu/gemm_bench.cu). ST-stage pipeline; the weights of the first ST - 1 stages before the PDL
// wait. Why: mma.sync re-reads the activation fragments from shared memory once per warp (5 bytes of
// shared-memory reads per weight byte at 64 rows); wgmma reads each operand once per warpgroup.
template <int BN, int ST, int MW> constexpr int gemm_wg_smem() { return ST * (BN + 64 * MW) * WBK * 2 + 1024; }

__device__ __forceinline__ unsigned smem_u32(const void *p) { return static_cast<unsigned>(__cvta_generic_to_shared(p)); }
// Shared-memory matrix descriptor: K-major, 128-byte swizzle, 8-row groups 1024 bytes apart.
__device__ __forceinline__ uint64_t wg_desc(const void *tile) {
    const uint64_t a = smem_u32(tile);
    return ((a & 0x3FFFF) >> 4) | (uint64_t(1) << 16) | (uint64_t(1024 >> 4) << 32) | (uint64_t(1) << 62);
}
#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
#define OLMO_WGMMA 1
__device__ __forceinline__ void wg_fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wg_commit() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wg_wait0() { asm volatile("wgmma.wait_group.sync.aligned 0;\n" ::: "memory"); }
__device__ __forceinline__ void wg_wait1() { asm volatile("wgmma.wait_group.sync.aligned 1;\n" ::: "memory"); }
__device__ __forceinline__ void fence_proxy_async() { asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory"); }
// d[64 x 64] += A[64 x 16] · B[64 x 16]^T, both from shared memory (descriptors)
__device__ __forceinline__ void wgmma64(float (&d)[32], uint64_t da, uint64_t db) {
    asm volatile(
        "{\n .reg .pred p;\n setp.ne.b32 p, %34, 0;\n"
        "wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 "
        "{%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,%16,%17,%18,%19,%20,%21,%22,%23,%24,%25,%26,%27,"
        "%28,%29,%30,%31}, %32, %33, p, 1, 1, 0, 0;\n}\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]),
          "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]),
          "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]),
          "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31])
        : "l"(da), "l"(db), "r"(1));
}
#endif

// Writes 1 to *out where this build has the wgmma kernels for the running device (sm_90a code).
__global__ void wgmma_probe_kernel(int *out) {
#if defined(OLMO_WGMMA)
    *out = 1;
#else
    *out = 0;
#endif
}

// P = B[N][K] (row-major) in tiles as above; rows >= N and columns >= K are zero. One thread per
// 16-byte chunk; K % 8 == 0.
__global__ void pack_tiles_kernel(const bf16 *__restrict__ B, int N, int K, bf16 *__restrict__ P) {
    const int ktiles = (K + WBK - 1) / WBK;
    const size_t chunks = size_t((N + 63) / 64) * ktiles * 512;
    for (size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x; i < chunks; i += size_t(gridDim.x) * blockDim.x) {
        const size_t tile = i / 512;
        const int r = int(i % 512) / 8, c = int(i % 8), nt = int(tile / ktiles), kt = int(tile % ktiles);
        const int n = nt * 64 + r, k0 = kt * WBK + c * 8;
        uint4 v = make_uint4(0, 0, 0, 0);
        if (n < N && k0 < K) v = *reinterpret_cast<const uint4 *>(B + size_t(n) * K + k0);
        *reinterpret_cast<uint4 *>(P + tile * WTILE + (r * 8 + (c ^ (r & 7))) * 8) = v;
    }
}
inline size_t packed_elems(int N, int K) { return size_t((N + 63) / 64) * ((K + WBK - 1) / WBK) * WTILE; }

// grid (ceil(M / (64 MW)), ceil(N / BN), S), 128 MW threads, gemm_wg_smem<BN, ST, MW>() bytes of
// dynamic shared memory. klen, ws, C, rows: as gemm_decode_kernel (klen a multiple of 64).
// OV (v12): 1 = one k-tile's MMAs stay in flight while the next tile's barrier and loads are issued
// (wgmma.wait_group 1; a stage is refilled only two k-tiles after its MMAs were issued, so ST - 2
// stages of loads run ahead instead of ST - 1); 0 = v10 (wait_group 0 after every k-tile). The same
// MMAs in the same order: bit-identical outputs.
// ex (v18, v19; the batched decode only): see GemmExtra. ex.bar needs C == nullptr, MW == 1 and a co-resident grid.
// XT (v21, v22 tuning): ex.krot and ex.pf are read only by XT instances (the others are v19's code).
template <int EPI, int BN, int ST, int MW, int OV = 0, bool XT = false>
__global__ void __launch_bounds__(128 * MW) gemm_wg_kernel(const bf16 *__restrict__ A, const bf16 *__restrict__ P,
                                                           int M, int N, int K, int klen, float *ws, void *C,
                                                           const StepParams *rows, GemmExtra ex = {}) {
#if defined(OLMO_WGMMA)
    constexpr int NT = 128 * MW, BMW = 64 * MW, BT = BN * WBK, AT = BMW * WBK, NB = BN / 64;
    extern __shared__ uint8_t wg_raw[];
    bf16 *base = reinterpret_cast<bf16 *>((reinterpret_cast<uintptr_t>(wg_raw) + 1023) & ~uintptr_t(1023));
    bf16 *Bs = base, *As = base + ST * BT;  // stage s: Bs + s * BT, As + s * AT (1024-byte aligned)
    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31, g = lane >> 2, t = lane & 3;
    const int wgi = warp >> 2, wq = warp & 3;  // warpgroup (64 rows each), warp in it
    const int m0 = blockIdx.x * BMW, nt0 = blockIdx.y * NB;  // first 64-row weight tile
    const int kbeg = blockIdx.z * klen, kend = min(K, kbeg + klen);
    const int mrows = min(BMW, M - m0);
    const int ktiles = (K + WBK - 1) / WBK, ntiles = (N + 63) / 64;
    float acc[NB][32];
#pragma unroll
    for (int b = 0; b < NB; ++b)
#pragma unroll
        for (int i = 0; i < 32; ++i) acc[b][i] = 0.f;
    const int nk = (kend - kbeg + WBK - 1) / WBK;
    const uint64_t wpol = ex.evict_first ? l2_evict_first_policy() : 0;
    // v22 (krot): blocks that read the same activation k-tile at the same moment contend for the same L2
    // lines; starting block b at k-tile (b mod nk) spreads them (another summation order, still a
    // function of the block only, so a row's result does not depend on M).
    const int rot = XT && ex.krot && nk > 1 ? int((blockIdx.y + gridDim.y * blockIdx.z) % unsigned(nk)) : 0;
    auto rotated = [&](int kt) { return kt + rot >= nk ? kt + rot - nk : kt + rot; };  // the k-tile loaded at step kt
    auto load_b = [&](int stage, int kt) {
        kt = rotated(kt);
#pragma unroll
        for (int c = 0; c < BN * 8 / NT; ++c) {
            const int idx = tid + c * NT, b = idx / 512, nt = nt0 + b;  // 512 chunks per 64-row tile
            const bool ok = nt < ntiles;
            const bf16 *src = P + ((size_t(ok ? nt : 0) * ktiles + kbeg / WBK + kt) * WTILE + (idx % 512) * 8);
            if (ex.evict_first) cp_async16_policy(Bs + stage * BT + idx * 8, src, ok, wpol);
            else cp_async16(Bs + stage * BT + idx * 8, src, ok);
        }
    };
    auto load_a = [&](int stage, int kt) {
        kt = rotated(kt);
        const int k0 = kbeg + kt * WBK;
#pragma unroll
        for (int c = 0; c < 4; ++c) {
            const int idx = tid + c * NT, r = idx >> 3, ch = idx & 7, kk = k0 + ch * 8;
            if (r < mrows) {  // rows past M stay stale: they only feed output rows that are not written
                const bool ok = kk < kend;
                cp_async16(As + stage * AT + (r * 8 + (ch ^ (r & 7))) * 8, A + (ok ? size_t(m0 + r) * K + kk : 0), ok);
            }
        }
    };
    static_assert(OV == 0 || OV == 1, "OV: MMA groups in flight");
    pipeline_start<ST - OV>(nk, load_b, load_a);
    for (int kt = 0; kt < nk; ++kt) {
        cp_async_wait<ST - 2 - OV>();
        fence_proxy_async();  // this thread's cp.async writes, visible to wgmma (async proxy) ...
        __syncthreads();      // ... everyone's; and everyone's wgmma on stage kt - 1 - OV has completed
        {
            const int nt2 = kt + ST - 1 - OV;  // into the slot of stage kt - 1 - OV
            if (nt2 < nk) {
                load_b(nt2 % ST, nt2);
                load_a(nt2 % ST, nt2);
            }
            cp_async_commit();
        }
        const int st = kt % ST;
        const uint64_t da = wg_desc(As + st * AT + wgi * 64 * WBK);
        wg_fence();
#pragma unroll
        for (int kk = 0; kk < WBK / 16; ++kk)  // +32 bytes per k16 step inside the swizzled 128-byte rows
#pragma unroll
            for (int b = 0; b < NB; ++b) wgmma64(acc[b], da + 2 * kk, wg_desc(Bs + st * BT + b * WTILE) + 2 * kk);
        wg_commit();
        if (OV) wg_wait1();
        else wg_wait0();
    }
    if (OV) wg_wait0();
    cp_async_wait<0>();
    // v21: this block's weights are read: L2 fetches its share of the next GEMM's first tiles. (Here,
    // not where the last loads are issued: code in the k-loop makes ptxas serialise the wgmma pipeline.)
    if (XT && tid == 0)
        prefetch_next_weights(ex.pf, blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z),
                              gridDim.x * gridDim.y * gridDim.z);
#pragma unroll
    for (int b = 0; b < NB; ++b)
#pragma unroll
        for (int j = 0; j < 8; ++j)
#pragma unroll
            for (int hr = 0; hr < 2; ++hr) {
                const int rl = wgi * 64 + wq * 16 + g + hr * 8, c = (nt0 + b) * 64 + j * 8 + 2 * t;
                if (rl < mrows && c < N)
                    store_pair<EPI>(C, ws, M, N, m0 + rl, c, acc[b][j * 4 + hr * 2], acc[b][j * 4 + hr * 2 + 1], rows);
            }
    if (MW == 1 && ex.bar) {  // v19: every block's partials, then rows b, b + nb, ... post-normed by block b
        const int nb = gridDim.x * gridDim.y * gridDim.z;
        grid_barrier(ex.bar, nb);
        const int bl = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
        float *as = reinterpret_cast<float *>(base), *red = as + N;  // the pipeline's stages are done
        for (int r = bl; r < M; r += nb)
            splitk_norm_row(ws, gridDim.z, M, N, r, ex.x, ex.w, ex.w_final, ex.eps, ex.y, as, red);
    }
#else
    __trap();  // not built for sm_90a: the backend checks wgmma_probe_kernel before choosing this
#endif
}
// The configurations the backend launches: batched decode <64, 6, 1 or 2>, prefill <64, 6, 2> and <128, 4, 2>;
// v14: batched decode of at most one block per SM and 64 rows <64, WDEEP, 1> where the card has the
// shared memory (197 KB): ten k-tiles of loads ahead instead of four (o_proj at 4 splits: the block's
// whole K range, requested before the PDL wait).
constexpr int WDST = 6, WPST128 = 4, WDEEP = 12;
// optin: the card's opt-in shared memory per block (the deep configuration only where it fits).
inline cudaError_t allow_gemm_wg_smem(int optin) {
    cudaError_t e = cudaSuccess;
#define OLMO_ALLOW(EPI, BN, ST, MW)                                                                                \
    if (e == cudaSuccess)                                                                                          \
        e = cudaFuncSetAttribute(gemm_wg_kernel<EPI, BN, ST, MW>, cudaFuncAttributeMaxDynamicSharedMemorySize,      \
                                 gemm_wg_smem<BN, ST, MW>());                                                      \
    if (e == cudaSuccess)                                                                                          \
        e = cudaFuncSetAttribute(gemm_wg_kernel<EPI, BN, ST, MW, 1>, cudaFuncAttributeMaxDynamicSharedMemorySize,   \
                                 gemm_wg_smem<BN, ST, MW>());
#define OLMO_ALLOW_XT(EPI, BN, ST, MW)                                                                             \
    if (e == cudaSuccess)                                                                                          \
        e = cudaFuncSetAttribute(gemm_wg_kernel<EPI, BN, ST, MW, 1, true>,                                         \
                                 cudaFuncAttributeMaxDynamicSharedMemorySize, gemm_wg_smem<BN, ST, MW>());
#define OLMO_ALLOW_EPI(EPI) OLMO_ALLOW(EPI, 64, WDST, 1) OLMO_ALLOW(EPI, 64, WDST, 2) OLMO_ALLOW(EPI, 128, WPST128, 2) \
    OLMO_ALLOW_XT(EPI, 64, WDST, 1) OLMO_ALLOW_XT(EPI, 64, WDST, 2)
    OLMO_ALLOW_EPI(EPI_BF16) OLMO_ALLOW_EPI(EPI_SWIGLU) OLMO_ALLOW_EPI(EPI_F32)
    if (optin >= gemm_wg_smem<64, WDEEP, 1>()) {
        OLMO_ALLOW(EPI_BF16, 64, WDEEP, 1) OLMO_ALLOW(EPI_SWIGLU, 64, WDEEP, 1) OLMO_ALLOW(EPI_F32, 64, WDEEP, 1)
        OLMO_ALLOW_XT(EPI_BF16, 64, WDEEP, 1) OLMO_ALLOW_XT(EPI_SWIGLU, 64, WDEEP, 1) OLMO_ALLOW_XT(EPI_F32, 64, WDEEP, 1)
    }
#undef OLMO_ALLOW_XT
#undef OLMO_ALLOW_EPI
#undef OLMO_ALLOW
    return e;
}
constexpr int kGemmWgMaxSmem = gemm_wg_smem<64, WDST, 2>();  // the largest of the three
constexpr int kGemmWgDeepSmem = gemm_wg_smem<64, WDEEP, 1>();

// ------------------------------------------------------------------ v23: two batched-decode GEMMs in one grid
#if defined(OLMO_WGMMA)
// Shared-memory barriers (mbarrier) and bulk copies (sm_90): one thread copies a contiguous global range
// into shared memory; the barrier's phase completes when its one arrival and the copy's bytes are in.
__device__ __forceinline__ void mbar_init(uint64_t *bar) {
    asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;\n" ::"r"(smem_u32(bar)) : "memory");
}
__device__ __forceinline__ void mbar_init_fence() { asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory"); }
__device__ __forceinline__ void bulk_copy_g2s(void *dst, const void *src, unsigned bytes, uint64_t *bar, bool ef,
                                              uint64_t pol) {
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(smem_u32(bar)), "r"(bytes) : "memory");
    if (ef)
        asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes.L2::cache_hint [%0], [%1], %2, "
                     "[%3], %4;\n" ::"r"(smem_u32(dst)), "l"(src), "r"(bytes), "r"(smem_u32(bar)), "l"(pol)
                     : "memory");
    else
        asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];\n" ::"r"(
                         smem_u32(dst)), "l"(src), "r"(bytes), "r"(smem_u32(bar))
                     : "memory");
}
__device__ __forceinline__ void mbar_wait(uint64_t *bar, unsigned parity) {
    unsigned done = 0;
    while (!done)
        asm volatile("{\n .reg .pred p;\n mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n selp.u32 %0, 1, 0, p;\n}\n"
                     : "=r"(done)
                     : "r"(smem_u32(bar)), "r"(parity)
                     : "memory");
}
#endif
// The batched step's barrier GEMM (o_proj or down: split-K partials, grid barrier, rows post-normed into
// x; v19's gemm_wg_kernel with ex.bar) and the GEMM that reads x next (gate_up, or the next layer's qkv)
// in one co-resident grid of one block per (n-tile, split) of the first. Why (native/NOTES.md v23): in
// the session-14 kernel timeline each of a layer's five kernels starts from an empty DRAM pipeline — a
// deep GEMM fills its SM's shared memory, so the next kernel's blocks, and the weight loads they issue
// before the PDL wait, start only once the block before has left; o_proj took ~15 us for 8.4 MB.
// Here the weights are one stream: a ring of DB weight tiles runs DB - 2 tiles ahead through the first
// GEMM's k-tiles and then the second's (its n-tiles j = block, block + grid, ..., each over the whole
// K = the first's N), so the second GEMM's weights arrive while the first's partials, barrier and norm
// run. A weight tile is one contiguous 8 KB copy (the packed layout), so thread 0 requests it as one bulk
// copy that completes on its slot's mbarrier: the weights' lookahead is then independent of the
// activations' (cp.async groups complete in order, so weights in the activations' groups would have to
// land within the activations' few steps of lookahead: a first form did that). The activations have their
// own ring of DA tiles in cp.async groups (DA - 2 ahead), which stops at the first GEMM's end: the second
// GEMM's A is x, complete only after the norm and a second grid barrier; the restart re-issues DA - 2
// groups as the pipeline's start does, so step s's wait covers A(s). Per output the same k16 steps in
// the same order as gemm_wg_kernel: bit-identical to the two kernels (olmo_kernel_test). Needs M <= 64,
// C of the first == nullptr (ex.bar, ex.x, ex.w set), a co-resident grid (<= SMs, one block per SM).
struct PairNext {
    const bf16 *P;  // packed weights of the second GEMM, N x K (K = the first GEMM's N)
    int N;
    void *C;          // its output (EPI2), one split
    int evict_first;  // its weights' L2 policy
};
constexpr int PDB = 22, PDA = 6;  // the rings (weights 176 KB, activations 48 KB); OLMO_CUDA_PAIRB: 14 or 18 weight tiles
constexpr int gemm_pair_smem(int db, int da = PDA) { return (db + da) * WTILE * 2 + 1024; }  // dynamic, db weight tiles
constexpr int kPairStaticSmem = 256;  // its mbarriers (8 bytes a weight slot), with room
template <int EPI2, int DB = PDB, int DA = PDA>
__global__ void __launch_bounds__(128) gemm_pair_kernel(const bf16 *__restrict__ A, const bf16 *__restrict__ P, int M,
                                                        int N, int K, int klen, float *ws, GemmExtra ex, PairNext nx) {
#if defined(OLMO_WGMMA)
    static_assert(DA >= 3 && DB >= DA && DB * 8 <= kPairStaticSmem, "gemm_pair_kernel: rings");
    extern __shared__ uint8_t wg_raw[];
    __shared__ uint64_t full[DB];  // weight slot s % DB holds tile s once phase (s / DB) & 1 of full[s % DB] is done
    bf16 *Bs = reinterpret_cast<bf16 *>((reinterpret_cast<uintptr_t>(wg_raw) + 1023) & ~uintptr_t(1023));
    bf16 *As = Bs + DB * WTILE;
    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31, g = lane >> 2, t = lane & 3;
    const int nb = gridDim.x, bl = blockIdx.x;
    const int ntiles = (N + 63) / 64, nt1 = bl % ntiles, z = bl / ntiles;  // gemm_wg_kernel's (blockIdx.y, .z)
    const int kbeg = z * klen, kend = min(K, kbeg + klen), ktiles = (K + WBK - 1) / WBK;
    const int n1 = max(0, (kend - kbeg + WBK - 1) / WBK);  // the first GEMM's k-tiles (0: an empty split)
    const int kt2 = (N + WBK - 1) / WBK, ntiles2 = (nx.N + 63) / 64;
    const int tiles2 = bl < ntiles2 ? (ntiles2 - 1 - bl) / nb + 1 : 0;
    const int G = n1 + tiles2 * kt2;  // steps: the first GEMM's k-tiles, then the second's tiles x k-tiles
    const int mrows = min(64, M);
    const uint64_t pol1 = ex.evict_first ? l2_evict_first_policy() : 0, pol2 = nx.evict_first ? l2_evict_first_policy() : 0;
    auto load_b = [&](int s) {  // thread 0 only
        const bool first = s < n1;
        const bf16 *src;
        if (first) {
            src = P + (size_t(nt1) * ktiles + kbeg / WBK + s) * WTILE;
        } else {
            const int q = s - n1, j = bl + (q / kt2) * nb;
            src = nx.P + (size_t(j) * kt2 + q % kt2) * WTILE;
        }
        bulk_copy_g2s(Bs + (s % DB) * WTILE, src, WTILE * 2, &full[s % DB],
                      first ? ex.evict_first != 0 : nx.evict_first != 0, first ? pol1 : pol2);
    };
    auto load_a = [&](int s) {
        const bf16 *src;
        int k0, kl, ld;
        if (s < n1) {
            src = A;
            k0 = kbeg + s * WBK;
            kl = kend;
            ld = K;
        } else {
            src = ex.x;
            k0 = ((s - n1) % kt2) * WBK;
            kl = N;
            ld = N;
        }
        bf16 *dst = As + (s % DA) * WTILE;
#pragma unroll
        for (int c = 0; c < 4; ++c) {
            const int idx = tid + c * 128, r = idx >> 3, ch = idx & 7, kk = k0 + ch * 8;
            if (r < mrows) {  // rows past M stay stale: they only feed output rows that are not written
                const bool ok = kk < kl;
                cp_async16(dst + (r * 8 + (ch ^ (r & 7))) * 8, src + (ok ? size_t(r) * ld + kk : 0), ok);
            }
        }
    };
    float acc[32];
#pragma unroll
    for (int i = 0; i < 32; ++i) acc[i] = 0.f;
    // one step: wait for its tiles, refill the slots of step s - 2 (whose MMAs are done), MMAs of step s
    auto step = [&](int s, bool a_ahead) {
        cp_async_wait<DA - 3>();
        fence_proxy_async();  // this thread's cp.async writes, visible to wgmma (async proxy) ...
        __syncthreads();      // ... everyone's; and everyone's wgmma on step s - 2 has completed
        if (tid == 0 && s + DB - 2 < G) load_b(s + DB - 2);
        if (a_ahead && s + DA - 2 < G) load_a(s + DA - 2);
        cp_async_commit();
        mbar_wait(&full[s % DB], unsigned(s / DB) & 1u);  // weight tile s has landed
        const uint64_t da = wg_desc(As + (s % DA) * WTILE), db = wg_desc(Bs + (s % DB) * WTILE);
        wg_fence();
#pragma unroll
        for (int kk = 0; kk < WBK / 16; ++kk) wgmma64(acc, da + 2 * kk, db + 2 * kk);
        wg_commit();
    };
    if (tid == 0) {
        for (int i = 0; i < DB; ++i) mbar_init(&full[i]);
        mbar_init_fence();
        fence_proxy_async();  // the initialised barriers, visible to the async proxy (the bulk copies)
    }
    __syncthreads();
    pdl_launch();
    if (tid == 0)
        for (int s = 0; s < DB - 2 && s < G; ++s) load_b(s);  // weights before the PDL wait (both GEMMs')
    pdl_wait();
#pragma unroll
    for (int s = 0; s < DA - 2; ++s) {
        if (s < n1) load_a(s);
        cp_async_commit();
    }
    for (int s = 0; s < n1; ++s) {
        step(s, s + DA - 2 < n1);
        wg_wait1();
    }
    wg_wait0();
    // the first GEMM's FP32 partials, as gemm_wg_kernel's store_pair with C == nullptr
#pragma unroll
    for (int j = 0; j < 8; ++j)
#pragma unroll
        for (int hr = 0; hr < 2; ++hr) {
            const int rl = warp * 16 + g + hr * 8, c = nt1 * 64 + j * 8 + 2 * t;
            if (rl < mrows && c < N) {
                float *o = ws + (size_t(z) * M + rl) * N + c;
                o[0] = acc[j * 4 + hr * 2];
                if (c + 1 < N) o[1] = acc[j * 4 + hr * 2 + 1];
            }
        }
    grid_barrier(ex.bar, nb);
    {
        // rows bl, bl + nb, ... post-normed into x (and y); the activation ring is free (its last tile's
        // MMAs are done, the second GEMM's A is not requested yet; the weight ring keeps streaming)
        float *as = reinterpret_cast<float *>(As), *red = as + N;
        for (int r = bl; r < M; r += nb)
            splitk_norm_row(ws, nb / ntiles, M, N, r, ex.x, ex.w, ex.w_final, ex.eps, ex.y, as, red);
    }
    grid_barrier(ex.bar, nb);  // every row of x is written
    if (tiles2 == 0) {
        cp_async_wait<0>();
        return;
    }
#pragma unroll
    for (int i = 0; i < 32; ++i) acc[i] = 0.f;
#pragma unroll
    for (int s = 0; s < DA - 2; ++s) {  // the activation ring restarts
        if (n1 + s < G) load_a(n1 + s);
        cp_async_commit();
    }
    for (int ti = 0; ti < tiles2; ++ti) {
        const int s0 = n1 + ti * kt2, j = bl + ti * nb;
        for (int s = s0; s < s0 + kt2; ++s) {
            step(s, true);
            wg_wait1();
        }
        wg_wait0();  // tile j done: its epilogue, then the next tile from zero
#pragma unroll
        for (int jj = 0; jj < 8; ++jj)
#pragma unroll
            for (int hr = 0; hr < 2; ++hr) {
                const int rl = warp * 16 + g + hr * 8, c = j * 64 + jj * 8 + 2 * t;
                if (rl < mrows && c < nx.N)
                    epilogue_pair<EPI2>(nx.C, rl, c, nx.N, acc[jj * 4 + hr * 2], acc[jj * 4 + hr * 2 + 1], nullptr);
                acc[jj * 4 + hr * 2] = acc[jj * 4 + hr * 2 + 1] = 0.f;
            }
    }
    cp_async_wait<0>();
#else
    __trap();  // not built for sm_90a: the backend checks wgmma_probe_kernel before choosing this
#endif
}
inline cudaError_t allow_gemm_pair_smem(int optin) {
    cudaError_t e = cudaSuccess;
#define OLMO_ALLOW_PAIR(DB)                                                                                        \
    if (e == cudaSuccess && optin >= gemm_pair_smem(DB) + kPairStaticSmem)                                         \
        e = cudaFuncSetAttribute(gemm_pair_kernel<EPI_BF16, DB>, cudaFuncAttributeMaxDynamicSharedMemorySize,      \
                                 gemm_pair_smem(DB));                                                              \
    if (e == cudaSuccess && optin >= gemm_pair_smem(DB) + kPairStaticSmem)                                         \
        e = cudaFuncSetAttribute(gemm_pair_kernel<EPI_SWIGLU, DB>, cudaFuncAttributeMaxDynamicSharedMemorySize,    \
                                 gemm_pair_smem(DB));
    OLMO_ALLOW_PAIR(14) OLMO_ALLOW_PAIR(18) OLMO_ALLOW_PAIR(PDB)  // the rings OLMO_CUDA_PAIRB chooses from
#undef OLMO_ALLOW_PAIR
    return e;
}

// Sums the S split-K partials of gemm_decode_kernel in split order and applies the epilogue.
// One thread per column pair.
template <int EPI>
__global__ void gemm_splitk_reduce_kernel(const float *__restrict__ ws, int S, int M, int N, void *C,
                                          const StepParams *rows) {
    pdl_launch();
    pdl_wait();
    const int pairs = (N + 1) / 2;
    const int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= M * pairs) return;
    const int r = idx / pairs, c = (idx % pairs) * 2;
    float v0 = 0.f, v1 = 0.f;
    for (int z = 0; z < S; ++z) {
        const float *p = ws + (size_t(z) * M + r) * N + c;
        v0 += p[0];
        if (c + 1 < N) v1 += p[1];
    }
    epilogue_pair<EPI>(C, r, c, N, v0, v1, rows);
}

// Greedy token of each row of a batched step: block r takes the logits of slot rows[r].slot.
__global__ void argmax_rows_kernel(const float *__restrict__ logits, int V, const StepParams *rows, int *out);

// ------------------------------------------------------------------ row-wise norms (prefill)
// mode 0: x[i] = bf16(x[i] + bf16(rmsnorm(a[i]) * w))   (post-norm residual, in place)
// mode 1: y[i] = bf16(rmsnorm(x[i]) * w)                 (final norm)
__global__ void rownorm_kernel(bf16 *x, const bf16 *__restrict__ a, const bf16 *__restrict__ w, int H, float eps,
                               int mode, bf16 *y) {
    pdl_launch();
    pdl_wait();
    __shared__ float red[33];
    const size_t off = size_t(blockIdx.x) * H;
    const bf16 *src = mode == 0 ? a + off : x + off;
    if ((H & 7) == 0) {  // v7: 16-byte loads, one round trip per pass for H <= 2048 (v6: eight)
        const uint4 *s8 = reinterpret_cast<const uint4 *>(src), *w8 = reinterpret_cast<const uint4 *>(w);
        float ss = 0.f;
        for (int i = threadIdx.x; i < H / 8; i += blockDim.x) {
            float v[8];
            unpack8(s8[i], v);
#pragma unroll
            for (int j = 0; j < 8; ++j) ss += v[j] * v[j];
        }
        const float r = rsqrtf(block_sum(ss, red) / H + eps);
        for (int i = threadIdx.x; i < H / 8; i += blockDim.x) {
            float v[8], wv[8], o[8];
            unpack8(s8[i], v);
            unpack8(w8[i], wv);
            if (mode == 0) {
                float xv[8];
                unpack8(reinterpret_cast<const uint4 *>(x + off)[i], xv);
#pragma unroll
                for (int j = 0; j < 8; ++j) o[j] = xv[j] + rbf(wv[j] * (v[j] * r));
                reinterpret_cast<uint4 *>(x + off)[i] = pack8(o);
            } else {
#pragma unroll
                for (int j = 0; j < 8; ++j) o[j] = wv[j] * (v[j] * r);
                reinterpret_cast<uint4 *>(y + off)[i] = pack8(o);
            }
        }
        return;
    }
    float ss = 0.f;
    for (int i = threadIdx.x; i < H; i += blockDim.x) {
        float v = bf2f(src[i]);
        ss += v * v;
    }
    const float r = rsqrtf(block_sum(ss, red) / H + eps);
    for (int i = threadIdx.x; i < H; i += blockDim.x) {
        const float nv = rbf(bf2f(w[i]) * (bf2f(src[i]) * r));
        if (mode == 0) x[off + i] = __float2bfloat16_rn(bf2f(x[off + i]) + nv);
        else y[off + i] = __float2bfloat16_rn(nv);
    }
}

// ------------------------------------------------------------------ argmax (first index of the max)
__device__ __forceinline__ void argmax_block(const float *__restrict__ v, int n, int *out) {
    __shared__ float bv[32];
    __shared__ int bi[32];
    float best = -INFINITY;
    int idx = 0x7fffffff;
    if ((n & 3) == 0) {  // v7: 16-byte loads, 4 in flight per thread (v6: one 4-byte load per round trip)
        const float4 *v4 = reinterpret_cast<const float4 *>(v);
#pragma unroll 4
        for (int c = threadIdx.x; c < n / 4; c += blockDim.x) {
            const float4 q = v4[c];
            const float xs[4] = {q.x, q.y, q.z, q.w};
#pragma unroll
            for (int e = 0; e < 4; ++e) {
                const float x = xs[e];
                const int i = c * 4 + e;
                if (x > best || (x == best && i < idx) || (best != best)) { best = x; idx = i; }
            }
        }
    } else {
        for (int i = threadIdx.x; i < n; i += blockDim.x) {
            const float x = v[i];
            if (x > best || (x == best && i < idx) || (best != best)) { best = x; idx = i; }
        }
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        const float ob = __shfl_xor_sync(0xffffffffu, best, o);
        const int oi = __shfl_xor_sync(0xffffffffu, idx, o);
        if (ob > best || (ob == best && oi < idx)) { best = ob; idx = oi; }
    }
    const int lane = threadIdx.x & 31, w = threadIdx.x >> 5;
    if (lane == 0) { bv[w] = best; bi[w] = idx; }
    __syncthreads();
    if (w == 0) {
        const int nw = blockDim.x >> 5;
        best = lane < nw ? bv[lane] : -INFINITY;
        idx = lane < nw ? bi[lane] : 0x7fffffff;
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) {
            const float ob = __shfl_xor_sync(0xffffffffu, best, o);
            const int oi = __shfl_xor_sync(0xffffffffu, idx, o);
            if (ob > best || (ob == best && oi < idx)) { best = ob; idx = oi; }
        }
        if (lane == 0) *out = idx == 0x7fffffff ? 0 : idx;
    }
}

__global__ void argmax_kernel(const float *__restrict__ v, int n, int *out) {
    pdl_launch();
    pdl_wait();
    argmax_block(v, n, out);
}

__global__ void argmax_rows_kernel(const float *__restrict__ logits, int V, const StepParams *rows, int *out) {
    pdl_launch();
    pdl_wait();
    argmax_block(logits + size_t(rows[blockIdx.x].slot) * V, V, out + blockIdx.x);
}

}  // namespace k
}  // namespace olmo
