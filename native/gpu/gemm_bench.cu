// GEMM microbenchmark for the custom engine's kernels, on the GPU machine (one nvcc call, no engine):
//   nvcc -gencode arch=compute_90a,code=sm_90a -std=c++17 -O3 -Inative/include -Inative/src \
//        native/gpu/gemm_bench.cu -o /tmp/gemm_bench
//   /tmp/gemm_bench [--m 64] [--reps 50]
// Prints two tables for the OLMo-2-1B shapes:
//  1. the batched-decode GEMM (M = active sequences, split-K S by v8's rule): the mma.sync
//     gemm_decode_kernel (v7/v8) against two candidates that kept its arithmetic but read the weights
//     from the packed copy (k::pack_tiles_kernel) by cp.async or by one cp.async.bulk per stage, and
//     against the v10 wgmma kernel (k::gemm_wg_kernel) with 64 or 128 weight rows per block and 4-6
//     stages (one warpgroup up to 64 rows, two above; BN 128 doubles S as the split rule would;
//     "S<=4": the split the engine takes since v10);
//     weight bytes / time in TB/s, and the largest difference from gemm_decode_kernel's output where
//     S is the same (0: same summation order);
//  2. the prefill GEMM (M = 512 tokens): gemm_tc_kernel with v7 tiles (BK 32, 4 stages) and v9 tiles
//     (BK 64, 3 stages), and gemm_wg_kernel with 128 x 128 and 128 x 64 tiles, TFLOP/s.
// Each launch reads a different copy of the weights (more than L2 holds in all), as the layers of a
// real step do. A plain read of 1 GiB gives the card's read ceiling on the same line.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cuda/kernels.cuh"

using namespace olmo;
using bf16 = __nv_bfloat16;

#define CK(x)                                                                                  \
    do {                                                                                       \
        cudaError_t e_ = (x);                                                                  \
        if (e_ != cudaSuccess) {                                                               \
            std::fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #x, cudaGetErrorString(e_)); \
            std::exit(1);                                                                      \
        }                                                                                      \
    } while (0)

namespace cand {
using k::smem_u32;
using k::StepParams;
constexpr int BM = 64, BN = 64, BK = 64, ALD = BK + 8, TILE = BN * BK;  // packed tile: 4096 elements

__device__ __forceinline__ void mbar_init(uint64_t *b, unsigned count) {
    asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(smem_u32(b)), "r"(count));
}
__device__ __forceinline__ void mbar_expect(uint64_t *b, unsigned bytes) {
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(smem_u32(b)), "r"(bytes));
}
__device__ __forceinline__ void mbar_wait(uint64_t *b, unsigned parity) {
    asm volatile(
        "{\n .reg .pred p;\n WAIT_%=:\n"
        " mbarrier.try_wait.parity.shared::cta.b64 p, [%0], %1;\n"
        " @!p bra WAIT_%=;\n}\n" ::"r"(smem_u32(b)),
        "r"(parity));
}
__device__ __forceinline__ void bulk_g2s(void *dst, const void *src, unsigned bytes, uint64_t *bar) {
    asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];\n" ::"r"(
                     smem_u32(dst)),
                 "l"(src), "r"(bytes), "r"(smem_u32(bar))
                 : "memory");
}

// gemm_decode_kernel's arithmetic (same fragments, same order), weights from the packed copy.
template <int EPI, int ST, bool BULK>
__global__ void __launch_bounds__(128) gemm_decode_packed_kernel(const bf16 *__restrict__ A, const bf16 *__restrict__ P,
                                                                 int M, int N, int K, int klen, float *ws, void *C,
                                                                 const StepParams *rows) {
    extern __shared__ __align__(128) uint4 gp_smem[];
    bf16(*Bs)[TILE] = reinterpret_cast<bf16(*)[TILE]>(gp_smem);  // [ST], 8 KB each
    typedef bf16 ATile[BM][ALD];
    ATile *As = reinterpret_cast<ATile *>(Bs + ST);  // [ST]
    uint64_t *bar = reinterpret_cast<uint64_t *>(As + ST);
    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    const int m0 = blockIdx.x * BM, nt = blockIdx.y;
    const int kbeg = blockIdx.z * klen, kend = min(K, kbeg + klen);
    const int mrows = min(BM, M - m0);
    const int mtiles = (mrows + 15) >> 4;
    const int ktiles = (K + BK - 1) / BK;
    const bf16 *Pt = P + (size_t(nt) * ktiles + kbeg / BK) * TILE;
    float acc[4][2][4];
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j) acc[i][j][0] = acc[i][j][1] = acc[i][j][2] = acc[i][j][3] = 0.f;
    const int nk = (kend - kbeg + BK - 1) / BK;
    if (BULK) {
        if (tid == 0) {
            for (int s = 0; s < ST; ++s) mbar_init(&bar[s], 1);
            asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
        }
        __syncthreads();
    }
    auto load_b = [&](int stage, int kt) {
        if (BULK) {
            if (tid == 0) {
                mbar_expect(&bar[stage], TILE * 2);
                bulk_g2s(Bs[stage], Pt + size_t(kt) * TILE, TILE * 2, &bar[stage]);
            }
        } else {
#pragma unroll
            for (int c = 0; c < 4; ++c) {
                const int idx = tid + c * 128;
                k::cp_async16(&Bs[stage][idx * 8], Pt + size_t(kt) * TILE + idx * 8, true);
            }
        }
    };
    auto load_a = [&](int stage, int kt) {
        const int k0 = kbeg + kt * BK;
#pragma unroll
        for (int c = 0; c < 4; ++c) {
            const int idx = tid + c * 128, r = idx / 8, col = (idx % 8) * 8;
            const int kk = k0 + col;
            if (r < mrows) {
                const bool ok = kk < kend;
                k::cp_async16(&As[stage][r][col], A + (ok ? size_t(m0 + r) * K + kk : 0), ok);
            }
        }
    };
    k::pipeline_start<ST>(nk, load_b, load_a);
    const int lm = lane >> 3, lr = lane & 7;
    const int a_row = (lm & 1) * 8 + lr, a_col = (lm >> 1) * 8;
    const int b_row = warp * 16 + (lm >> 1) * 8 + lr, b_hi = lm & 1;  // chunk (kk / 8 + b_hi) of row b_row
    for (int kt = 0; kt < nk; ++kt) {
        k::cp_async_wait<ST - 2>();
        if (BULK) mbar_wait(&bar[kt % ST], (kt / ST) & 1);
        __syncthreads();
        {
            const int nt2 = kt + ST - 1;
            if (nt2 < nk) {
                load_b(nt2 % ST, nt2);
                load_a(nt2 % ST, nt2);
            }
            k::cp_async_commit();
        }
        const int st = kt % ST;
#pragma unroll
        for (int kk = 0; kk < BK; kk += 16) {
            uint32_t bfr[4];
            const int c = (kk >> 3) + b_hi;
            k::ldmatrix_x4(bfr, &Bs[st][(b_row * 8 + (c ^ lr)) * 8]);
#pragma unroll
            for (int i = 0; i < 4; ++i) {
                if (i < mtiles) {
                    uint32_t a[4];
                    k::ldmatrix_x4(a, &As[st][i * 16 + a_row][kk + a_col]);
                    k::mma_bf16(acc[i][0], a[0], a[1], a[2], a[3], bfr[0], bfr[1]);
                    k::mma_bf16(acc[i][1], a[0], a[1], a[2], a[3], bfr[2], bfr[3]);
                }
            }
        }
    }
    k::cp_async_wait<0>();
    k::store_warp_tile<EPI>(acc, mtiles, mrows, m0, nt * BN + warp * 16, C, ws, M, N, rows);
}
template <int ST> constexpr int packed_smem() { return ST * (TILE * 2 + BM * ALD * 2) + ST * 8; }

__global__ void read_kernel(const uint4 *__restrict__ p, size_t n, unsigned *sink) {
    unsigned x = 0;
    const size_t stride = size_t(gridDim.x) * blockDim.x;
    size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x;
    for (; i + 3 * stride < n; i += 4 * stride) {
        const uint4 a = __ldcs(p + i), b = __ldcs(p + i + stride), c = __ldcs(p + i + 2 * stride),
                    d = __ldcs(p + i + 3 * stride);
        x ^= a.x ^ b.y ^ c.z ^ d.w;
    }
    for (; i < n; i += stride) x ^= __ldcs(p + i).x;
    if (x == 0x9e3779b9u) *sink = x;
}
}  // namespace cand

struct Shape {
    const char *name;
    int N, K;
};

static int ksplit(int N, int K, int sms) {  // cuda_backend.cu's rule
    const int nb = (N + k::DBN - 1) / k::DBN, ktiles = (K + k::DBK - 1) / k::DBK;
    int s = 1;
    while (nb * s * 2 <= 2 * sms && ktiles / (s * 2) >= 4) s *= 2;
    return s;
}
static int gemm_rows(int M, int N, int sms) {  // cuda_backend.cu's rule
    const long nb = (N + k::GBN - 1) / k::GBN;
    const long b128 = nb * ((M + 127) / 128), b64 = nb * ((M + 63) / 64);
    return (b64 + sms - 1) / sms < 2 * ((b128 + sms - 1) / sms) ? 64 : 128;
}

// A candidate kernel of nine parameters, or gemm_wg_kernel (v18: a tenth, GemmExtra, zero here).
template <class... P, class... Args>
static void launch_any(void (*kern)(P...), dim3 g, int threads, int smem, Args... args) {
    if constexpr (sizeof...(P) == sizeof...(Args) + 1) kern<<<g, threads, smem>>>(args..., k::GemmExtra{});
    else kern<<<g, threads, smem>>>(args...);
}
template <class F> static float time_us(int reps, F &&launch) {
    cudaEvent_t a, b;
    CK(cudaEventCreate(&a));
    CK(cudaEventCreate(&b));
    for (int i = 0; i < 3; ++i) launch(i);
    CK(cudaEventRecord(a));
    for (int i = 0; i < reps; ++i) launch(i);
    CK(cudaEventRecord(b));
    CK(cudaEventSynchronize(b));
    float ms = 0;
    CK(cudaEventElapsedTime(&ms, a, b));
    CK(cudaGetLastError());
    return ms * 1000.f / reps;
}

static void fill(bf16 *d, size_t n, unsigned seed, float scale) {
    std::vector<bf16> h(n);
    std::mt19937 r(seed);
    std::uniform_real_distribution<float> u(-scale, scale);
    for (auto &x : h) x = __float2bfloat16(u(r));
    CK(cudaMemcpy(d, h.data(), n * 2, cudaMemcpyHostToDevice));
}

int main(int argc, char **argv) {
    int M = 64, reps = 50;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--m")) M = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--reps")) reps = std::atoi(argv[i + 1]);
    }
    cudaDeviceProp prop{};
    CK(cudaGetDeviceProperties(&prop, 0));
    const int sms = prop.multiProcessorCount;
    int optin = 0;
    CK(cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, 0));
    std::printf("device: %s, %d SMs, L2 %d MB, shared memory per block (opt-in) %d KB\n", prop.name, sms,
                prop.l2CacheSize >> 20, optin >> 10);
    CK(k::allow_gemm_decode_smem());
    CK(k::allow_gemm_tc_smem(optin));
#define ALLOW(ST, BULK)                                                                                     \
    CK(cudaFuncSetAttribute(cand::gemm_decode_packed_kernel<k::EPI_BF16, ST, BULK>,                         \
                            cudaFuncAttributeMaxDynamicSharedMemorySize, cand::packed_smem<ST>()));
    ALLOW(6, false) ALLOW(6, true)
#undef ALLOW
#define ALLOWW(BN, ST, MW)                                                                                  \
    CK(cudaFuncSetAttribute(k::gemm_wg_kernel<k::EPI_BF16, BN, ST, MW>,                           \
                            cudaFuncAttributeMaxDynamicSharedMemorySize, k::gemm_wg_smem<BN, ST, MW>()));
    ALLOWW(64, 6, 1) ALLOWW(128, 4, 1) ALLOWW(128, 6, 1)
    ALLOWW(64, 6, 2) ALLOWW(128, 4, 2) ALLOWW(128, 6, 2)
#undef ALLOWW
    unsigned *sink;
    CK(cudaMalloc(&sink, 4));
    {  // read ceiling
        const size_t bytes = size_t(1) << 30;
        uint4 *p;
        CK(cudaMalloc(&p, bytes));
        CK(cudaMemset(p, 1, bytes));
        const float us = time_us(10, [&](int) { cand::read_kernel<<<sms * 8, 512>>>(p, bytes / 16, sink); });
        std::printf("read ceiling: 1 GiB in %.1f us = %.2f TB/s\n\n", us, bytes / us / 1e6);
        CK(cudaFree(p));
    }
    const Shape shapes[] = {{"qkv", 6144, 2048}, {"o", 2048, 2048}, {"gate_up", 16384, 2048},
                            {"down", 2048, 8192}, {"lm_head", 100352, 2048}};
    std::printf("batched-decode GEMM, M = %d rows (TB/s = weight bytes / time; diff vs engine kernel)\n", M);
    std::printf("%-8s %6s %5s %2s | %-15s | %-15s | %-15s | %-15s | %-15s | %-15s | %-15s | %s\n", "shape", "N",
                "K", "S", "engine v7/v8", "packed cp.async6", "packed bulk6", "wgmma 64 x6", "wgmma x6 S<=4",
                "wgmma 128 x4", "wgmma 128 x6", "max diff (rel)");
    for (const Shape &s : shapes) {
        const size_t wn = size_t(s.N) * s.K, wbytes = wn * 2;
        const int ktiles = (s.K + 63) / 64, ntiles = (s.N + 63) / 64;
        const size_t pn = size_t(ntiles) * ktiles * cand::TILE;
        const int copies = int(std::max<size_t>(2, (size_t(320) << 20) / wbytes + 1));
        const int ntiles128 = (s.N + 127) / 128;
        std::vector<bf16 *> W(copies), Pk(copies);
        for (int c = 0; c < copies; ++c) {
            CK(cudaMalloc(&W[c], wbytes));
            CK(cudaMalloc(&Pk[c], pn * 2));
            fill(W[c], wn, 7 + c, 0.05f);
            k::pack_tiles_kernel<<<sms * 16, 256>>>(W[c], s.N, s.K, Pk[c]);
        }
        bf16 *A, *C0, *C1;
        float *ws;
        CK(cudaMalloc(&A, size_t(M) * s.K * 2));
        fill(A, size_t(M) * s.K, 3, 1.f);
        CK(cudaMalloc(&C0, size_t(M) * s.N * 2));
        CK(cudaMalloc(&C1, size_t(M) * s.N * 2));
        const int S = ksplit(s.N, s.K, sms);
        const int S128 = ksplit((s.N + 1) / 2, s.K, sms);  // BN 128 halves the N tiles: more splits
        CK(cudaMalloc(&ws, size_t(std::max(S, S128)) * M * s.N * 4));
        const int klen = ((ktiles + S - 1) / S) * 64;
        const dim3 grid((M + 63) / 64, ntiles, S);
        // S > 1: partials only (C == nullptr), as the engine's o/down; compare the partials
        auto engine = [&](int i) {
            k::gemm_decode_kernel<k::EPI_BF16><<<grid, 128, k::kGemmDecodeSmem>>>(
                A, W[i % copies], M, s.N, s.K, klen, ws, S == 1 ? C0 : nullptr, nullptr);
        };
        std::vector<float> ref;
        auto snapshot = [&](std::vector<float> &out) {
            CK(cudaDeviceSynchronize());
            if (S == 1) {
                std::vector<bf16> h(size_t(M) * s.N);
                CK(cudaMemcpy(h.data(), C0, h.size() * 2, cudaMemcpyDeviceToHost));
                out.resize(h.size());
                for (size_t j = 0; j < h.size(); ++j) out[j] = __bfloat162float(h[j]);
            } else {
                out.resize(size_t(S) * M * s.N);
                CK(cudaMemcpy(out.data(), ws, out.size() * 4, cudaMemcpyDeviceToHost));
            }
        };
        engine(0);
        snapshot(ref);
        const float t0 = time_us(reps, engine);
        double maxdiff = 0, refmax = 0;
        for (float v : ref) refmax = std::max(refmax, double(std::fabs(v)));
        float tv[6];
        int vi = 0;
        auto run_packed = [&](auto kern, int smem, dim3 gr, int threads, int S2, int klen2) {
            auto go = [&](int i) {
                launch_any(kern, gr, threads, smem, A, Pk[i % copies], M, s.N, s.K, klen2, ws, S2 == 1 ? C0 : nullptr,
                           (const k::StepParams *)nullptr);
            };
            CK(cudaMemset(ws, 0, size_t(S) * M * s.N * 4));
            CK(cudaMemset(C0, 0, size_t(M) * s.N * 2));
            go(0);
            std::vector<float> got;
            if (S2 == S) {  // same partials layout: compare (split partials or the BF16 output)
                snapshot(got);
                for (size_t j = 0; j < got.size(); ++j) maxdiff = std::max(maxdiff, double(std::fabs(got[j] - ref[j])));
            }
            tv[vi++] = time_us(reps, go);
        };
        run_packed(cand::gemm_decode_packed_kernel<k::EPI_BF16, 6, false>, cand::packed_smem<6>(), grid, 128, S, klen);
        run_packed(cand::gemm_decode_packed_kernel<k::EPI_BF16, 6, true>, cand::packed_smem<6>(), grid, 128, S, klen);
        // wgmma: MW = 2 warpgroups (128 rows) per block when M > 64; BN 128 halves the N tiles, so the
        // split rule (two blocks per SM) doubles S
        const int MW = M > 64 ? 2 : 1;
        const int klen128 = ((ktiles + S128 - 1) / S128) * 64;
        const int S10 = std::min(S, 4), klen10 = ((ktiles + S10 - 1) / S10) * 64;
        const dim3 gw64v10((M + 64 * MW - 1) / (64 * MW), ntiles, S10);
        const dim3 gw64((M + 64 * MW - 1) / (64 * MW), ntiles, S), gw128((M + 64 * MW - 1) / (64 * MW), ntiles128, S128);
#define WG(BN, ST, G, SS, KL)                                                                                      \
    if (MW == 1) run_packed(k::gemm_wg_kernel<k::EPI_BF16, BN, ST, 1>, k::gemm_wg_smem<BN, ST, 1>(), G, 128, SS, KL);   \
    else run_packed(k::gemm_wg_kernel<k::EPI_BF16, BN, ST, 2>, k::gemm_wg_smem<BN, ST, 2>(), G, 256, SS, KL);
        WG(64, 6, gw64, S, klen)
        WG(64, 6, gw64v10, S10, klen10)  // the split the engine takes since v10 (kMaxSplit 4)
        WG(128, 4, gw128, S128, klen128)
        WG(128, 6, gw128, S128, klen128)
#undef WG
        auto cell = [&](float us) {
            char b[32];
            std::snprintf(b, sizeof b, "%6.1f us %4.2f", us, wbytes / us / 1e6);
            return std::string(b);
        };
        std::printf("%-8s %6d %5d %2d | %-15s | %-15s | %-15s | %-15s | %-15s | %-15s | %-15s | %.3g (%.3g)\n", s.name,
                    s.N, s.K, S, cell(t0).c_str(), cell(tv[0]).c_str(), cell(tv[1]).c_str(), cell(tv[2]).c_str(),
                    cell(tv[3]).c_str(), cell(tv[4]).c_str(), cell(tv[5]).c_str(), maxdiff, maxdiff / refmax);
        for (int c = 0; c < copies; ++c) {
            CK(cudaFree(W[c]));
            CK(cudaFree(Pk[c]));
        }
        CK(cudaFree(A));
        CK(cudaFree(C0));
        CK(cudaFree(C1));
        CK(cudaFree(ws));
    }
    // prefill GEMM
    const int MP = 512;
    std::printf("\nprefill GEMM, M = %d tokens (TFLOP/s)\n%-8s %6s %5s %3s | %-17s | %-17s | %-17s | %-17s | %s\n", MP,
                "shape", "N", "K", "BM", "v7 BK32 x4", "v9 BK64 x3", "wgmma 128x128 x4", "wgmma 128x64 x6",
                "wgmma max diff vs v9 (rel)");
    for (const Shape &s : shapes) {
        if (s.N > 20000) continue;
        const size_t wn = size_t(s.N) * s.K;
        const int copies = int(std::max<size_t>(2, (size_t(320) << 20) / (wn * 2) + 1));
        std::vector<bf16 *> W(copies), P64(copies);
        const int ktiles = (s.K + 63) / 64;
        for (int c = 0; c < copies; ++c) {
            CK(cudaMalloc(&W[c], wn * 2));
            fill(W[c], wn, 11 + c, 0.05f);
            CK(cudaMalloc(&P64[c], k::packed_elems(s.N, s.K) * 2));
            k::pack_tiles_kernel<<<sms * 16, 256>>>(W[c], s.N, s.K, P64[c]);
        }
        bf16 *A, *C;
        CK(cudaMalloc(&A, size_t(MP) * s.K * 2));
        fill(A, size_t(MP) * s.K, 5, 1.f);
        CK(cudaMalloc(&C, size_t(MP) * s.N * 2));
        const int bm = gemm_rows(MP, s.N, sms);
        const dim3 grid((s.N + k::GBN - 1) / k::GBN, (MP + bm - 1) / bm);
        const double flop = 2.0 * MP * s.N * s.K;
        const float t7 = time_us(reps, [&](int i) {
            if (bm == 64) k::gemm_tc_kernel<k::EPI_BF16, 64><<<grid, 256, k::gemm_tc_smem(64)>>>(A, W[i % copies], MP, s.N, s.K, C);
            else k::gemm_tc_kernel<k::EPI_BF16, 128><<<grid, 256, k::gemm_tc_smem(128)>>>(A, W[i % copies], MP, s.N, s.K, C);
        });
        float t9 = 0;
        if (optin >= k::kGemmTc9MaxSmem)
            t9 = time_us(reps, [&](int i) {
                if (bm == 64)
                    k::gemm_tc_kernel<k::EPI_BF16, 64, k::GBK9, k::GST9>
                        <<<grid, 256, k::gemm_tc_smem(64, k::GBK9, k::GST9)>>>(A, W[i % copies], MP, s.N, s.K, C);
                else
                    k::gemm_tc_kernel<k::EPI_BF16, 128, k::GBK9, k::GST9>
                        <<<grid, 256, k::gemm_tc_smem(128, k::GBK9, k::GST9)>>>(A, W[i % copies], MP, s.N, s.K, C);
            });
        auto host = [&](std::vector<float> &out) {
            std::vector<bf16> h(size_t(MP) * s.N);
            CK(cudaDeviceSynchronize());
            CK(cudaMemcpy(h.data(), C, h.size() * 2, cudaMemcpyDeviceToHost));
            out.resize(h.size());
            for (size_t j = 0; j < h.size(); ++j) out[j] = __bfloat162float(h[j]);
        };
        std::vector<float> ref, got;
        host(ref);  // the last launch above: copy (reps - 1) % copies
        const int lastc = (reps - 1) % copies;
        double md = 0, rmax = 0;
        for (float v : ref) rmax = std::max(rmax, double(std::fabs(v)));
        auto wg = [&](auto kern, int smem, int BN) {
            const dim3 g((MP + 127) / 128, (s.N + BN - 1) / BN, 1);
            auto go = [&](int i) {
                launch_any(kern, g, 256, smem, A, P64[i % copies], MP, s.N, s.K, ktiles * 64, (float *)nullptr, C,
                           (const k::StepParams *)nullptr);
            };
            go(lastc);
            host(got);
            for (size_t j = 0; j < got.size(); ++j) md = std::max(md, double(std::fabs(got[j] - ref[j])));
            return time_us(reps, go);
        };
        const float w1 = wg(k::gemm_wg_kernel<k::EPI_BF16, 128, 4, 2>, k::gemm_wg_smem<128, 4, 2>(), 128);
        const float w2 = wg(k::gemm_wg_kernel<k::EPI_BF16, 64, 6, 2>, k::gemm_wg_smem<64, 6, 2>(), 64);
        std::printf("%-8s %6d %5d %3d | %6.1f us %5.0f | %6.1f us %5.0f | %6.1f us %5.0f | %6.1f us %5.0f | %.3g (%.3g)\n",
                    s.name, s.N, s.K, bm, t7, flop / t7 / 1e6, t9, t9 > 0 ? flop / t9 / 1e6 : 0.0, w1, flop / w1 / 1e6,
                    w2, flop / w2 / 1e6, md, md / rmax);
        for (auto *w : W) CK(cudaFree(w));
        for (auto *w : P64) CK(cudaFree(w));
        CK(cudaFree(A));
        CK(cudaFree(C));
    }
    return 0;
}
