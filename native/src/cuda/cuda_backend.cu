// CUDA backend: BF16-resident weights, KV cache allocated once, tensor-core GEMMs and flash
// attention for prefill, GEMV + split-K attention for decode, the whole decode step captured
// in one CUDA graph (token and position live in device memory; only the token id comes back).
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "../internal.h"
#include "kernels.cuh"

namespace olmo {
namespace {
using k::bf16;

void ck(cudaError_t e, const char *what, int line) {
    if (e == cudaSuccess) return;
    cudaGetLastError();  // clear sticky-free errors
    fail(e == cudaErrorMemoryAllocation ? OLMO_ERR_OUT_OF_MEMORY : OLMO_ERR_CUDA,
         std::string("CUDA: ") + what + " (cuda_backend.cu:" + std::to_string(line) + "): " + cudaGetErrorString(e));
}
#define CK(x) ck((x), #x, __LINE__)
#define CK_LAUNCH() ck(cudaGetLastError(), "kernel launch", __LINE__)

// v7 kernels can be switched back to their v6 versions one by one for an A/B run or when one fails
// on a new card: OLMO_CUDA_OLD = comma-separated names of those to keep old, or "all":
//   gemm      prefill GEMM: gemm_kernel (2-stage, 128x128) instead of gemm_tc_kernel
//   norm      batched decode: split-K reduce + row norm kernels instead of splitk_norm_residual_kernel
//   prologue  decode GEMV prologue: scalar loads instead of 16-byte loads
//   attn      batch-1 decode attention: PDL wait before the first cache load, 64 keys per split
//   dgemm     batched-decode GEMM: 32-wide K tiles, 8 stages (v6) instead of 64-wide, 5 stages
//   chain     (v8) batched decode and prefill: plain launches (v7) instead of programmatic dependent
//             launch, where each GEMM requests its first weight tiles before waiting for its input
//   tc7       (v9) prefill GEMM: v7's 32-wide K tiles, 4 stages, instead of 64-wide, 3 stages
//   wgmma     (v10) batched-decode and prefill GEMMs: mma.sync kernels (gemm_decode_kernel,
//             gemm_tc_kernel) on the row-major weights instead of gemm_wg_kernel on packed copies
//             (sm_90a builds on compute capability 9.0 only; the packed copies double weight memory).
//             gemm, dgemm and tc7 bring back their kernel in place of gemm_wg_kernel too.
//   gemv      (v11) batch-1 decode: the GEMVs read the row-major weights, which are then kept beside
//             the packed copies (v11 reads the packed copies and frees the row-major ones on sm_90a)
//   battn     (v12) decode attention: v10's batched kernel (80 registers: six blocks per SM) and, in
//             both decode paths, the split combine also for rows of one split
//   wgwait    (v12) gemm_wg_kernel waits for each k-tile's MMAs before the next tile (v10) instead of
//             keeping one tile's MMAs in flight
//   deep      (v14) batched-decode GEMMs of at most one block per SM: 6 pipeline stages (two blocks'
//             worth of shared memory per SM) instead of 12
//   pseq      (v16) batched prefill: q/k norm + RoPE and the causal attention launched once per
//             sequence instead of once per pass for all its sequences
//   gnorm     (v19) batched decode: the o_proj/down split-K sum + post-norm in a kernel of its own
//             (splitk_norm_residual_kernel) instead of in the GEMM after a grid-wide barrier
enum { OLD_GEMM = 1, OLD_NORM = 2, OLD_PROLOGUE = 4, OLD_ATTN = 8, OLD_DGEMM = 16, OLD_CHAIN = 32, OLD_TC7 = 64,
       OLD_WGMMA = 128, OLD_GEMV = 256, OLD_BATTN = 512, OLD_WGWAIT = 1024, OLD_DEEP = 2048,
       OLD_PSEQ = 4096, OLD_GNORM = 8192 };
// The non-empty items of a comma-separated list (the OLMO_CUDA_* tuning variables).
std::vector<std::string> comma_items(const std::string &v) {
    std::vector<std::string> r;
    size_t b = 0;
    while (b <= v.size()) {
        size_t c = v.find(',', b);
        if (c == std::string::npos) c = v.size();
        if (c > b) r.push_back(v.substr(b, c - b));
        b = c + 1;
    }
    return r;
}
// The batched-decode GEMMs by name, as OLMO_CUDA_SPLIT and OLMO_CUDA_L2 index them; -1 if none.
int gemm_index(const std::string &name) {
    static const char *const names[] = {"qkv", "o", "gate_up", "down", "lm_head"};
    for (int i = 0; i < 5; ++i)
        if (name == names[i]) return i;
    return -1;
}

unsigned old_kernels_from_env() {
    const char *e = std::getenv("OLMO_CUDA_OLD");
    if (!e) return 0;
    const std::string v(e);
    if (v == "all")
        return OLD_GEMM | OLD_NORM | OLD_PROLOGUE | OLD_ATTN | OLD_DGEMM | OLD_CHAIN | OLD_TC7 | OLD_WGMMA | OLD_GEMV |
               OLD_BATTN | OLD_WGWAIT | OLD_DEEP | OLD_PSEQ | OLD_GNORM;
    unsigned m = 0;
    for (const std::string &t : comma_items(v)) {
        if (t == "gemm") m |= OLD_GEMM;
        else if (t == "norm") m |= OLD_NORM;
        else if (t == "prologue") m |= OLD_PROLOGUE;
        else if (t == "attn") m |= OLD_ATTN;
        else if (t == "dgemm") m |= OLD_DGEMM;
        else if (t == "chain") m |= OLD_CHAIN;
        else if (t == "tc7") m |= OLD_TC7;
        else if (t == "wgmma") m |= OLD_WGMMA;
        else if (t == "gemv") m |= OLD_GEMV;
        else if (t == "battn") m |= OLD_BATTN;
        else if (t == "wgwait") m |= OLD_WGWAIT;
        else if (t == "deep") m |= OLD_DEEP;
        else if (t == "pseq") m |= OLD_PSEQ;
        else if (t == "gnorm") m |= OLD_GNORM;
        else
            fail(OLMO_ERR_INVALID_ARGUMENT, "OLMO_CUDA_OLD: unknown kernel name '" + t +
                                                "' (gemm, norm, prologue, attn, dgemm, chain, tc7, wgmma, gemv, battn, "
                                                "wgwait, deep, pseq, gnorm or all)");
    }
    return m;
}

// OLMO_CUDA_SPLIT (tuning, A/B runs): split-K of the batched-decode GEMMs by name, e.g. "qkv=1,o=8";
// names qkv, o, gate_up, down (1..16 each); the others keep the backend's rule.
std::array<int, 4> splits_from_env() {
    std::array<int, 4> r{0, 0, 0, 0};
    const char *e = std::getenv("OLMO_CUDA_SPLIT");
    if (!e) return r;
    for (const std::string &t : comma_items(e)) {
        const size_t eq = t.find('=');
        const int i = gemm_index(t.substr(0, eq));
        long n = 0;
        if (eq != std::string::npos && eq + 1 < t.size()) {
            char *end = nullptr;
            n = std::strtol(t.c_str() + eq + 1, &end, 10);
            if (*end) n = 0;
        }
        if (i < 0 || i > 3 || n < 1 || n > 16)
            fail(OLMO_ERR_INVALID_ARGUMENT, "OLMO_CUDA_SPLIT: '" + t + "' is not qkv|o|gate_up|down=1..16");
        r[size_t(i)] = int(n);
    }
    return r;
}

// OLMO_CUDA_L2 (v18, tuning): the batched-decode GEMMs whose weights are read with an L2 evict-first
// policy, by name (qkv, o, gate_up, down, lm_head; comma-separated), "all" (the default; also unset or
// empty) or "none". Returns a mask: bit i = name i in that order.
constexpr unsigned kL2AllFirst = 31u;
unsigned l2_first_from_env() {
    const char *e = std::getenv("OLMO_CUDA_L2");
    if (!e || !*e || std::string(e) == "all") return kL2AllFirst;
    const std::string v(e);
    if (v == "none") return 0u;
    unsigned m = 0;
    for (const std::string &t : comma_items(v)) {
        const int i = gemm_index(t);
        if (i < 0)
            fail(OLMO_ERR_INVALID_ARGUMENT,
                 "OLMO_CUDA_L2: '" + t + "' is not qkv, o, gate_up, down or lm_head (or the whole value all or none)");
        m |= 1u << i;
    }
    return m;
}

// A tuning variable's integer value in [lo, hi], or def where it is not set.
int int_from_env(const char *name, int def, int lo, int hi) {
    const char *e = std::getenv(name);
    if (!e) return def;
    char *end = nullptr;
    const long n = std::strtol(e, &end, 10);
    if (end == e || *end || n < lo || n > hi)
        fail(OLMO_ERR_INVALID_ARGUMENT, std::string(name) + ": '" + e + "' is not a number " + std::to_string(lo) +
                                            ".." + std::to_string(hi));
    return int(n);
}
// OLMO_CUDA_ACHUNK (tuning): keys per split of a batched-decode attention row (default 256, 32..4096).
// A row of len keys takes ceil(len / chunk) splits (one block each, combined by the last).
int attn_chunk_from_env() { return int_from_env("OLMO_CUDA_ACHUNK", 256, 32, 4096); }
// OLMO_CUDA_APF (tuning, v20): keys (and values) of each batched attention block that L2 fetches ahead
// while the block waits for the QKV projection (0 = none, up to 4096).
int attn_prefetch_from_env() { return int_from_env("OLMO_CUDA_APF", 0, 0, 4096); }
// OLMO_CUDA_WPF (tuning, v21): k-tiles of each block of the next batched-decode GEMM that L2 fetches while
// the kernel before it drains (0 = none, up to 16).
int weight_prefetch_from_env() { return int_from_env("OLMO_CUDA_WPF", 0, 0, 16); }
// OLMO_CUDA_APRO (tuning, v20): 1 = the batched attention's prologue variant (attn_decode_fused_body's PRO).
int attn_prologue_from_env() { return int_from_env("OLMO_CUDA_APRO", 0, 0, 1); }
// OLMO_CUDA_KROT (tuning, v22): 1 = each batched-decode GEMM block starts at its own k-tile (GemmExtra::krot).
int krot_from_env() { return int_from_env("OLMO_CUDA_KROT", 0, 0, 1); }
// OLMO_CUDA_PAIR (tuning, v23; off until measured on a GPU): 1 = the batched step runs o_proj + gate_up and
// down + the next layer's qkv as one gemm_pair_kernel each (bit-identical to the two kernels).
int pair_from_env() { return int_from_env("OLMO_CUDA_PAIR", 0, 0, 1); }
// OLMO_CUDA_PAIRB (tuning, v23; read with OLMO_CUDA_PAIR=1): weight tiles in gemm_pair_kernel's ring, 14,
// 18 or 22 (default): fewer leave an SM's shared memory to the next kernel's early blocks (the attention
// after down + qkv).
int pair_ring_from_env() {
    const int n = int_from_env("OLMO_CUDA_PAIRB", k::PDB, 14, k::PDB);
    if (n != 14 && n != 18 && n != 22) fail(OLMO_ERR_INVALID_ARGUMENT, "OLMO_CUDA_PAIRB: 14, 18 or 22, not " + std::to_string(n));
    return n;
}

// A weight matrix [N, K]: row-major (rm) and, on sm_90a, its packed copy for gemm_wg_kernel and the
// packed GEMV (pk, v10). v11: rm is freed (nullptr) where nothing reads it any more.
struct Wt {
    const bf16 *rm = nullptr, *pk = nullptr;
};
struct DevLayer {
    Wt qkv, o, gu, down;
    bf16 *q_norm, *k_norm, *post_attn, *post_ff;
};

class CudaBackend : public Backend {
  public:
    CudaBackend(int device, uint32_t flags)
        : dev_(device), use_graph_(!(flags & OLMO_FLAG_NO_CUDA_GRAPH)), want_pdl_(!(flags & OLMO_FLAG_NO_PDL)),
          fused_attn_(!(flags & OLMO_FLAG_UNFUSED_DECODE)), f32_act_((flags & OLMO_FLAG_F32_ACTIVATIONS) != 0),
          old_(old_kernels_from_env()), split_env_(splits_from_env()), l2_first_(l2_first_from_env()),
          attn_chunk_(attn_chunk_from_env()), attn_prefetch_(attn_prefetch_from_env()),
          wpf_tiles_(weight_prefetch_from_env()), krot_(krot_from_env()), apro_(attn_prologue_from_env()),
          pair_(pair_from_env()), pair_ring_(pair_ ? pair_ring_from_env() : k::PDB) {
        if ((krot_ || wpf_tiles_) && (old_ & OLD_WGWAIT))
            fail(OLMO_ERR_INVALID_ARGUMENT, "OLMO_CUDA_KROT and OLMO_CUDA_WPF need the v12 GEMM; unset them or "
                                            "OLMO_CUDA_OLD=wgwait");
        CK(cudaSetDevice(dev_));
        cudaDeviceProp prop;
        CK(cudaGetDeviceProperties(&prop, dev_));
        name_ = prop.name;
        sms_ = prop.multiProcessorCount;
        cc_ = prop.major * 10 + prop.minor;
        optin_ = int(prop.sharedMemPerBlockOptin);
        if (cc_ < 80) fail(OLMO_ERR_UNSUPPORTED, std::string("CUDA backend needs compute capability >= 8.0; ") + name_);
        want_pdl_ = want_pdl_ && cc_ >= 90;
        CK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    }
    ~CudaBackend() override {
        cudaSetDevice(dev_);
        if (graph_exec_) cudaGraphExecDestroy(graph_exec_);
        if (stream_) cudaStreamSynchronize(stream_);
        for (void *p : allocs_) cudaFree(p);
        if (all_logits_) cudaFree(all_logits_);
        if (h_params_) cudaFreeHost(h_params_);
        if (h_next_) cudaFreeHost(h_next_);
        if (h_rows_) cudaFreeHost(h_rows_);
        if (h_seqs_) cudaFreeHost(h_seqs_);
        if (h_prow_) cudaFreeHost(h_prow_);
        if (h_bnext_) cudaFreeHost(h_bnext_);
        if (stream_) cudaStreamDestroy(stream_);
    }
    std::string description() const override {
        return "cuda:" + std::to_string(dev_) + " " + name_ + " (sm_" + std::to_string(cc_) + ", " +
               std::to_string(sms_) + " SMs" + (use_graph_ ? ", graph" : "") + (want_pdl_ ? ", pdl" : "") + (fused_attn_ ? ", fused" : "") +
               (wg_ ? (rm_dropped_ ? ", wgmma, packed weights only" : ", wgmma") : wg_no_room_ ? ", no wgmma: no memory for packed weights" : "") +
               (old_ ? ", old kernels: " + old_names() : "") +
               (l2_first_ != kL2AllFirst ? ", evict-first weights mask " + std::to_string(l2_first_) : "") +
               (attn_chunk_ != 256 ? ", attention chunk " + std::to_string(attn_chunk_) : "") +
               (attn_prefetch_ ? ", attention L2 prefetch " + std::to_string(attn_prefetch_) : "") +
               (wpf_tiles_ ? ", next weights L2 prefetch " + std::to_string(wpf_tiles_) : "") +
               (krot_ ? ", rotated k order" : "") + (apro_ ? ", attention prologue v20" : "") +
               (pair_ ? ", gemm pairs" + (pair_ring_ != k::PDB ? " (ring " + std::to_string(pair_ring_) + ")" : std::string()) : "") + ")";
    }

    void load(const Config &c, const TensorSource &src, int max_seq, int chunk, int pass, int slots,
              int max_batch) override {
        c_ = c;
        max_seq_ = max_seq;
        slots_ = slots;
        max_batch_ = max_batch;
        const int H = c.hidden, Q = c.q_dim(), KV = c.kv_dim(), I = c.inter, D = c.head_dim, V = c.vocab;
        if (f32_act_)
            fail(OLMO_ERR_UNSUPPORTED, "FP32 activations (OLMO_FLAG_F32_ACTIVATIONS) are a CPU-backend verification mode; "
                                       "the CUDA kernels keep BF16 activations");
        if (D != 16 && D != 32 && D != 64 && D != 128)
            fail(OLMO_ERR_UNSUPPORTED, "CUDA backend supports head_dim 16, 32, 64 or 128, not " + std::to_string(D));
        for (int kdim : {H, Q, I})
            if (kdim % 32) fail(OLMO_ERR_UNSUPPORTED, "CUDA backend needs hidden, heads*head_dim and intermediate sizes divisible by 32");
        if (KV % 8) fail(OLMO_ERR_UNSUPPORTED, "CUDA backend needs kv_heads*head_dim divisible by 8");
        CK(cudaSetDevice(dev_));
        // weights
        std::vector<uint16_t> buf(size_t(V) * H);
        src.load_bf16("model.embed_tokens.weight", {V, H}, buf.data());
        emb_ = upload(buf);
        if (src.has("lm_head.weight") || !c.tie) {
            src.load_bf16("lm_head.weight", {V, H}, buf.data());
            lm_.rm = upload(buf);
        } else {
            lm_.rm = emb_;
        }
        buf.assign(H, 0);
        src.load_bf16("model.norm.weight", {H}, buf.data());
        final_norm_ = upload(buf);
        layers_.resize(c.layers);
        LayerWeights lw;
        for (int l = 0; l < c.layers; ++l) {
            load_layer(src, c, l, lw);
            DevLayer &L = layers_[l];
            L.qkv.rm = upload(lw.qkv); L.o.rm = upload(lw.o); L.gu.rm = upload(lw.gu); L.down.rm = upload(lw.down);
            L.q_norm = upload(lw.q_norm); L.k_norm = upload(lw.k_norm);
            L.post_attn = upload(lw.post_attn); L.post_ff = upload(lw.post_ff);
        }
        // v10: packed copies of the GEMM weights for gemm_wg_kernel (batched decode and prefill)
        const bool wg_used = !(old_ & OLD_DGEMM) || !(old_ & (OLD_TC7 | OLD_GEMM)) || !(old_ & OLD_GEMV);  // (knobs)
        wg_ = !(old_ & OLD_WGMMA) && wg_used && cc_ == 90 && wgmma_built();
        wg_ = wg_ && optin_ >= k::kGemmWgMaxSmem;
        // v11: where every kernel that runs reads the packed copies (no OLMO_CUDA_OLD knob brings back
        // one that reads row-major weights), the row-major matrices are freed after packing.
        const bool drop_rm = !(old_ & (OLD_GEMM | OLD_DGEMM | OLD_TC7 | OLD_GEMV));
        if (wg_) {  // room for the copies: for the KV cache (+ 1 GiB of activations) too, unless the
                    // row-major matrices are freed before it is allocated
            size_t free_b = 0, total_b = 0;
            CK(cudaMemGetInfo(&free_b, &total_b));
            const size_t packed_b = 2 * (size_t(c.layers) * (k::packed_elems(Q + 2 * KV, H) + k::packed_elems(H, Q) +
                                                             k::packed_elems(2 * I, H) + k::packed_elems(H, I)) +
                                         k::packed_elems(V, H));
            const size_t kv_b = 2 * size_t(slots) * c.layers * c.kv_heads * size_t(max_seq) * D * 2;
            // per-slot and all-position logits (those for at most one sequence's chunk)
            const size_t logits_b = (size_t(slots) + size_t(chunk)) * V * 4;
            // what freeing the row-major matrices gives back (a tied lm_head's is the embedding: kept)
            const size_t rm_b = drop_rm ? 2 * (size_t(c.layers) * (size_t(Q + 2 * KV) * H + size_t(H) * Q +
                                                                  size_t(2 * I) * H + size_t(H) * I) +
                                               (lm_.rm != emb_ ? size_t(V) * H : 0))
                                        : 0;
            // while packing (row-major still resident), then with the KV cache and logits beside the copies
            const size_t gib = size_t(1) << 30;
            wg_no_room_ = free_b < packed_b + gib || free_b + rm_b < packed_b + kv_b + logits_b + gib;
            wg_ = !wg_no_room_;
        }
        if (wg_) {
            CK(k::allow_gemm_wg_smem(optin_));
            if (pair_) CK(k::allow_gemm_pair_smem(optin_));
            for (DevLayer &L : layers_) {
                pack(L.qkv, Q + 2 * KV, H);
                pack(L.o, H, Q);
                pack(L.gu, 2 * I, H);
                pack(L.down, H, I);
            }
            pack(lm_, V, H);
            CK(cudaDeviceSynchronize());
            if (drop_rm) {
                for (DevLayer &L : layers_)
                    for (Wt *w : {&L.qkv, &L.o, &L.gu, &L.down}) release(w->rm), w->rm = nullptr;
                if (lm_.rm != emb_) release(lm_.rm);  // tied: the embedding table stays
                lm_.rm = nullptr;
                rm_dropped_ = true;
            }
        }
        // KV cache and activations
        slot_stride_ = size_t(c.layers) * c.kv_heads * max_seq * D;
        kcache_ = alloc<bf16>(size_t(slots) * slot_stride_);
        vcache_ = alloc<bf16>(size_t(slots) * slot_stride_);
        std::vector<float> inv(D / 2);
        for (int i = 0; i < D / 2; ++i) inv[i] = 1.0f / std::pow(c.rope_theta, float(2 * i) / float(D));
        inv_freq_ = alloc<float>(D / 2);
        CK(cudaMemcpy(inv_freq_, inv.data(), inv.size() * 4, cudaMemcpyHostToDevice));
        const size_t M = size_t(pass);  // token rows of the prefill activations: one pass
        ids_ = alloc<int>(M);
        x_ = alloc<bf16>(M * H);
        xb_ = alloc<bf16>(size_t(H));
        qkv_ = alloc<bf16>(M * (Q + 2 * KV));
        q_ = alloc<bf16>(M * Q);
        att_ = alloc<bf16>(M * Q);
        a_ = alloc<bf16>(M * H);
        act_ = alloc<bf16>(M * I);
        y_ = alloc<bf16>(M * H);
        logits_ = alloc<float>(size_t(slots) * V);  // [slot][vocab]; row 0 is the batch-1 graph's
        next_ = alloc<int>(1);
        params_ = alloc<k::StepParams>(1);
        splits_ = std::max(1, std::min(64, (2 * sms_ + c.heads - 1) / c.heads));
        part_o_ = alloc<float>(size_t(c.heads) * splits_ * D);
        part_ml_ = alloc<float>(size_t(c.heads) * splits_ * 2);
        counters_ = alloc<unsigned>(c.heads);
        CK(cudaMemset(counters_, 0, c.heads * sizeof(unsigned)));
        best_val_ = alloc<float>(gemv_max_grid());
        best_idx_ = alloc<int>(gemv_max_grid());
        best_counter_ = alloc<unsigned>(1);
        CK(cudaMemset(best_counter_, 0, sizeof(unsigned)));
        CK(cudaMallocHost(&h_params_, sizeof(k::StepParams)));
        // batched decode: activations for max_batch rows, split-K and attention partials
        {
            const size_t B = size_t(max_batch);
            rows_ = alloc<k::StepParams>(B);
            CK(cudaMallocHost(&h_rows_, sizeof(k::StepParams) * B));
            seqs_ = alloc<k::PrefillSeq>(B);  // v16: a batched prefill pass's sequences and rows
            CK(cudaMallocHost(&h_seqs_, sizeof(k::PrefillSeq) * B));
            prow_ = alloc<k::StepParams>(M);
            CK(cudaMallocHost(&h_prow_, sizeof(k::StepParams) * M));
            CK(cudaMallocHost(&h_bnext_, sizeof(int) * B));
            bnext_ = alloc<int>(B);
            bx_ = alloc<bf16>(B * H);
            bqkv_ = alloc<bf16>(B * (Q + 2 * KV));
            batt_ = alloc<bf16>(B * Q);
            ba_ = alloc<bf16>(B * H);
            bact_ = alloc<bf16>(B * I);
            by_ = alloc<bf16>(B * H);
            bsplits_ = std::max(1, std::min(64, (max_seq + attn_chunk_ - 1) / attn_chunk_));
            bpart_o_ = alloc<float>(B * c.heads * bsplits_ * D);
            bpart_ml_ = alloc<float>(B * c.heads * bsplits_ * 2);
            bcounters_ = alloc<unsigned>(B * c.heads);
            CK(cudaMemset(bcounters_, 0, B * c.heads * sizeof(unsigned)));
            gbar_ = alloc<unsigned>(2);
            CK(cudaMemset(gbar_, 0, 2 * sizeof(unsigned)));
            size_t ws = 0;
            for (auto nk : {std::make_pair(Q + 2 * KV, H), std::make_pair(H, Q), std::make_pair(2 * I, H),
                            std::make_pair(H, I), std::make_pair(V, H)})
                ws = std::max(ws, size_t(ksplit(nk.first, nk.second)) * B * nk.first);
            ws_ = alloc<float>(ws);
            CK(k::allow_gemm_decode_smem());
            CK(k::allow_gemm_tc_smem(optin_));
            tc9_ = !(old_ & OLD_TC7) && optin_ >= k::kGemmTc9MaxSmem;
            fuse_norm_ = !(old_ & OLD_NORM) && H * 4 <= 48 * 1024;
            for (auto &pb : std::vector<std::pair<void *, size_t>>{{bx_, B * H * 2}, {bqkv_, B * (Q + 2 * KV) * 2},
                                                                   {batt_, B * Q * 2}, {ba_, B * H * 2},
                                                                   {bact_, B * I * 2}, {by_, B * H * 2}})
                CK(cudaMemset(pb.first, 0xff, pb.second));
        }
        CK(cudaMallocHost(&h_next_, sizeof(int)));
        // poison activations: anything read before it is written shows up as NaN
        for (auto &pb : std::vector<std::pair<void *, size_t>>{{x_, M * H * 2}, {qkv_, M * (Q + 2 * KV) * 2},
                                                               {q_, M * Q * 2}, {att_, M * Q * 2}, {a_, M * H * 2},
                                                               {act_, M * I * 2}, {y_, M * H * 2}, {logits_, size_t(slots) * V * 4}})
            CK(cudaMemset(pb.first, 0xff, pb.second));
        // grid sizes for the persistent GEMVs
        // The GEMV keeps its input vector in shared memory (2 bytes per input): beyond the default
        // 48 KB (K > 24576, e.g. OLMo-2-32B's intermediate 27648) the kernels must opt in.
        const int gemv_smem = std::max(H, std::max(Q, I)) * 2;
        if (gemv_smem > 48 * 1024) {
            if (gemv_smem + 256 > optin_)
                fail(OLMO_ERR_UNSUPPORTED, "CUDA backend: an input width of " + std::to_string(gemv_smem / 2) +
                                               " needs " + std::to_string(gemv_smem) + " bytes of shared memory; " +
                                               name_ + " allows " + std::to_string(optin_));
            CK(k::allow_gemv_smem(gemv_smem));
        }
        gemv_grid_[0] = occupancy(k::gemv_kernel<k::GEMV_BF16>, std::max(H, std::max(Q, I)) * 2);
        gemv_grid_[1] = occupancy(k::gemv_kernel<k::GEMV_SWIGLU>, H * 2);
        gemv_grid_[2] = occupancy(k::gemv_kernel<k::GEMV_F32>, H * 2);
        CK(cudaStreamSynchronize(stream_));
    }

    int32_t prefill(int slot, const int32_t *ids, int n, int pos0, float *all) override {
        CK(cudaSetDevice(dev_));
        slot_ = slot;
        float *logits = logits_ + size_t(slot) * c_.vocab;
        const Config &c = c_;
        const int H = c.hidden, Q = c.q_dim(), KV = c.kv_dim(), I = c.inter, V = c.vocab;
        CK(cudaMemcpyAsync(ids_, ids, size_t(n) * 4, cudaMemcpyHostToDevice, stream_));
        k::embed_kernel<<<n, 128, 0, stream_>>>(ids_, nullptr, emb_, x_, H);
        CK_LAUNCH();
        Chain chain(*this, true);  // v8: the kernels after the embedding overlap their predecessor's tail
        for (int l = 0; l < c.layers; ++l) {
            const DevLayer &L = layers_[l];
            gemm<k::EPI_BF16>(x_, L.qkv, n, Q + 2 * KV, H, qkv_);
            qknorm_rope(l, n, nullptr, pos0);
            attn_prefill(l, n, pos0);
            gemm<k::EPI_BF16>(att_, L.o, n, H, Q, a_);
            rownorm(n, x_, a_, L.post_attn, 0, nullptr);
            gemm<k::EPI_SWIGLU>(x_, L.gu, n, 2 * I, H, act_);
            gemm<k::EPI_BF16>(act_, L.down, n, H, I, a_);
            rownorm(n, x_, a_, L.post_ff, 0, nullptr);
        }
        if (all) {
            rownorm(n, x_, nullptr, final_norm_, 1, y_);
            chain.end();  // the allocation below synchronises; launches after it are plain
            if (all_cap_ < n) {
                if (all_logits_) CK(cudaFree(all_logits_));
                all_logits_ = nullptr;
                CK(cudaMalloc(&all_logits_, size_t(n) * V * 4));
                all_cap_ = n;
            }
            gemm<k::EPI_F32>(y_, lm_, n, V, H, all_logits_);
            CK(cudaMemcpyAsync(all, all_logits_, size_t(n) * V * 4, cudaMemcpyDeviceToHost, stream_));
            CK(cudaMemcpyAsync(logits, all_logits_ + size_t(n - 1) * V, size_t(V) * 4, cudaMemcpyDeviceToDevice, stream_));
        } else {
            bf16 *last = y_ + size_t(n - 1) * H;
            rownorm(1, x_ + size_t(n - 1) * H, nullptr, final_norm_, 1, last);
            k::GemvIn in{};
            in.x = last;
            // v7: argmax folded into the lm_head GEMV, as in the decode step (one launch less on the TTFT path)
            in.part_val = best_val_; in.part_idx = best_idx_; in.counter = best_counter_; in.next = next_;
            gemv<k::GEMV_F32>(lm_, V, H, in, logits);
        }
        if (all) {
            k::argmax_kernel<<<1, 1024, 0, stream_>>>(logits, V, next_);
            CK_LAUNCH();
        }
        chain.end();
        CK(cudaMemcpyAsync(h_next_, next_, 4, cudaMemcpyDeviceToHost, stream_));
        CK(cudaStreamSynchronize(stream_));
        slot_ = 0;
        return *h_next_;
    }

    int32_t decode(int32_t tok, int pos) override {
        CK(cudaSetDevice(dev_));
        slot_ = 0;
        h_params_->token = tok;
        h_params_->pos = pos;
        if (!use_graph_) {
            try {
                decode_body();
            } catch (...) {
                pdl_ = false;
                throw;
            }
        } else {
            if (!graph_exec_) {
                cudaGraph_t graph;
                CK(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal));
                try {
                    decode_body();
                } catch (...) {
                    pdl_ = false;
                    cudaStreamEndCapture(stream_, &graph);
                    throw;
                }
                CK(cudaStreamEndCapture(stream_, &graph));
                CK(cudaGraphInstantiate(&graph_exec_, graph, 0));
                CK(cudaGraphDestroy(graph));
            }
            CK(cudaGraphLaunch(graph_exec_, stream_));
        }
        CK(cudaStreamSynchronize(stream_));
        return *h_next_;
    }

    // One step for n slots: rows in device memory (token, position, slot), then per layer
    // [QKV GEMM → fused q/k-norm + RoPE + KV write + split attention over each row's own slot and
    // length → o GEMM → post-attention norm + residual → gate/up GEMM with SwiGLU → down GEMM →
    // post-FF norm + residual], final norm, lm_head GEMM into each slot's logits row, per-row argmax.
    void decode_batch(int n, const int32_t *slots, const int32_t *tokens, const int32_t *pos, int32_t *next) override {
        CK(cudaSetDevice(dev_));
        const Config &c = c_;
        const int H = c.hidden, Q = c.q_dim(), KV = c.kv_dim(), I = c.inter, V = c.vocab;
        int max_len = 0;
        for (int i = 0; i < n; ++i) {
            h_rows_[i] = k::StepParams{tokens[i], pos[i], slots[i]};
            max_len = std::max(max_len, pos[i] + 1);
        }
        CK(cudaMemcpyAsync(rows_, h_rows_, sizeof(k::StepParams) * n, cudaMemcpyHostToDevice, stream_));
        k::embed_kernel<<<n, 128, 0, stream_>>>(nullptr, rows_, emb_, bx_, H);
        CK_LAUNCH();
        Chain chain(*this, false);  // v8: the kernels after the embedding overlap their predecessor's tail
        const float scale = 1.f / std::sqrt(float(c.head_dim));
        const int group = c.heads / c.kv_heads;
        const int smax = std::min(bsplits_, (max_len + attn_chunk_ - 1) / attn_chunk_);
        auto attn = (old_ & OLD_BATTN)
                        ? by_head_dim(c.head_dim, k::attn_decode_batch_kernel<16>, k::attn_decode_batch_kernel<32>,
                                      k::attn_decode_batch_kernel<64>, k::attn_decode_batch_kernel<128>)
                        : batch_attn_kernel((apro_ ? 1 : 0) | (attn_prefetch_ || wpf_tiles_ ? 2 : 0));
        bool qkv_done = false;  // v23: this layer's qkv ran in the kernel before (gemm_pair)
        for (int l = 0; l < c.layers; ++l) {
            const DevLayer &L = layers_[l];
            if (!qkv_done) gemm_decode<k::EPI_BF16>(bx_, L.qkv, n, Q + 2 * KV, H, bqkv_, nullptr, weight_policy(0));
            qkv_done = false;
            launch(attn, dim3(c.heads, smax, n), 128, 0, (const bf16 *)bqkv_, Q, KV, (const bf16 *)L.q_norm,
                   (const bf16 *)L.k_norm, (const float *)inv_freq_, c.eps, kcache_ + layer_off(l),
                   vcache_ + layer_off(l), slot_stride_, (const k::StepParams *)rows_, max_seq_, group, scale,
                   attn_chunk_, bpart_o_, bpart_ml_, bcounters_, batt_, attn_prefetch_, next_weights(L.o, n, H, Q));
            if (fuse_norm_) {  // v7: projection partials, then reduce + post-norm + residual (v19: in the GEMM)
                const bool last = l == c.layers - 1;
                if (pair_ok(L.o, n, H, Q, L.gu, 2 * I))  // v23: o_proj + post-norm + gate_up, one kernel
                    gemm_pair<k::EPI_SWIGLU>(batt_, L.o, n, H, Q, L.post_attn, weight_policy(1), L.gu, 2 * I, bact_,
                                             weight_policy(2).evict_first);
                else {
                    gemm_decode_norm(batt_, L.o, n, H, Q, L.post_attn, nullptr,
                                     weight_policy(1, next_weights(L.gu, n, 2 * I, H)));
                    gemm_decode<k::EPI_SWIGLU>(bx_, L.gu, n, 2 * I, H, bact_, nullptr,
                                               weight_policy(2, next_weights(L.down, n, H, I)));
                }
                if (!last && pair_ok(L.down, n, H, I, layers_[l + 1].qkv, Q + 2 * KV)) {  // down + the next qkv
                    gemm_pair<k::EPI_BF16>(bact_, L.down, n, H, I, L.post_ff, weight_policy(3), layers_[l + 1].qkv,
                                           Q + 2 * KV, bqkv_, weight_policy(0).evict_first);
                    qkv_done = true;
                } else
                    gemm_decode_norm(bact_, L.down, n, H, I, L.post_ff, last ? final_norm_ : nullptr,
                                     weight_policy(3, last ? next_weights(lm_, n, V, H)
                                                           : next_weights(layers_[l + 1].qkv, n, Q + 2 * KV, H)));
                continue;
            }
            gemm_decode<k::EPI_BF16>(batt_, L.o, n, H, Q, ba_, nullptr, weight_policy(1));
            rownorm(n, bx_, ba_, L.post_attn, 0, nullptr);
            gemm_decode<k::EPI_SWIGLU>(bx_, L.gu, n, 2 * I, H, bact_, nullptr, weight_policy(2));
            gemm_decode<k::EPI_BF16>(bact_, L.down, n, H, I, ba_, nullptr, weight_policy(3));
            rownorm(n, bx_, ba_, L.post_ff, 0, nullptr);
        }
        if (!fuse_norm_) rownorm(n, bx_, nullptr, final_norm_, 1, by_);
        gemm_decode<k::EPI_F32>(by_, lm_, n, V, H, logits_, rows_, weight_policy(4));
        launch(k::argmax_rows_kernel, n, 1024, 0, (const float *)logits_, V, (const k::StepParams *)rows_, bnext_);
        chain.end();
        CK(cudaMemcpyAsync(h_bnext_, bnext_, sizeof(int) * n, cudaMemcpyDeviceToHost, stream_));
        const cudaError_t e = cudaStreamSynchronize(stream_);
        if ((e == cudaErrorLaunchFailure || e == cudaErrorIllegalInstruction) && fused_norm_used_)
            fail(OLMO_ERR_CUDA, std::string("CUDA: batched decode step failed (") + cudaGetErrorString(e) +
                                    "); its o_proj/down GEMMs wait at a grid barrier that needs every SM they use to "
                                    "themselves, and give up after 2 s — is another engine or process running on this "
                                    "GPU? Run one at a time, or set OLMO_CUDA_OLD=gnorm for the barrier-free kernels");
        ck(e, "cudaStreamSynchronize (batched decode step)", __LINE__);
        if (next) std::copy(h_bnext_, h_bnext_ + n, next);
    }

    // Several sequences in one pass: GEMMs and norms over all rows, q/k-norm + RoPE + KV write and
    // causal attention per sequence (its slot, its positions), the last row of each through the
    // final norm, one lm_head GEMM into the slots' logits rows and a per-row argmax.
    void prefill_many(int n, const int32_t *slots, const int32_t *lens, const int32_t *pos0, const int32_t *ids,
                      int32_t *next) override {
        CK(cudaSetDevice(dev_));
        const Config &c = c_;
        const int H = c.hidden, Q = c.q_dim(), KV = c.kv_dim(), I = c.inter, V = c.vocab;
        const bool per_seq = (old_ & OLD_PSEQ) != 0;
        int T = 0, longest = 0;
        for (int i = 0; i < n; ++i) {
            h_rows_[i] = k::StepParams{0, pos0[i], slots[i]};
            if (!per_seq) {  // v16: the pass's sequences and each row's position and slot
                h_seqs_[i] = k::PrefillSeq{T, lens[i], pos0[i], slots[i]};
                for (int j = 0; j < lens[i]; ++j) h_prow_[T + j] = k::StepParams{i, pos0[i] + j, slots[i]};
            }
            T += lens[i];
            longest = std::max(longest, lens[i]);
        }
        CK(cudaMemcpyAsync(ids_, ids, size_t(T) * 4, cudaMemcpyHostToDevice, stream_));
        CK(cudaMemcpyAsync(rows_, h_rows_, sizeof(k::StepParams) * n, cudaMemcpyHostToDevice, stream_));
        if (!per_seq) {
            CK(cudaMemcpyAsync(seqs_, h_seqs_, sizeof(k::PrefillSeq) * n, cudaMemcpyHostToDevice, stream_));
            CK(cudaMemcpyAsync(prow_, h_prow_, sizeof(k::StepParams) * T, cudaMemcpyHostToDevice, stream_));
        }
        k::embed_kernel<<<T, 128, 0, stream_>>>(ids_, nullptr, emb_, x_, H);
        CK_LAUNCH();
        Chain chain(*this, true);
        for (int l = 0; l < c.layers; ++l) {
            const DevLayer &L = layers_[l];
            gemm<k::EPI_BF16>(x_, L.qkv, T, Q + 2 * KV, H, qkv_);
            if (per_seq) {
                for (int i = 0, off = 0; i < n; off += lens[i++]) {
                    slot_ = slots[i];
                    qknorm_rope(l, lens[i], nullptr, pos0[i], off);
                    attn_prefill(l, lens[i], pos0[i], off);
                }
                slot_ = 0;
            } else {  // v16: one launch of each for the pass (per sequence: 2 x n small grids a layer)
                qknorm_rope_pass(l, T);
                attn_prefill_pass(l, n, longest);
            }
            gemm<k::EPI_BF16>(att_, L.o, T, H, Q, a_);
            rownorm(T, x_, a_, L.post_attn, 0, nullptr);
            gemm<k::EPI_SWIGLU>(x_, L.gu, T, 2 * I, H, act_);
            gemm<k::EPI_BF16>(act_, L.down, T, H, I, a_);
            rownorm(T, x_, a_, L.post_ff, 0, nullptr);
        }
        for (int i = 0, off = 0; i < n; off += lens[i++]) {
            const size_t last = size_t(off + lens[i] - 1) * H;
            rownorm(1, x_ + last, nullptr, final_norm_, 1, by_ + size_t(i) * H);
        }
        gemm_decode<k::EPI_F32>(by_, lm_, n, V, H, logits_, rows_, weight_policy(4));
        launch(k::argmax_rows_kernel, n, 1024, 0, (const float *)logits_, V, (const k::StepParams *)rows_, bnext_);
        chain.end();
        CK(cudaMemcpyAsync(h_bnext_, bnext_, sizeof(int) * n, cudaMemcpyDeviceToHost, stream_));
        CK(cudaStreamSynchronize(stream_));
        if (next) std::copy(h_bnext_, h_bnext_ + n, next);
    }

    void copy_logits(int slot, float *out) override {
        CK(cudaSetDevice(dev_));
        CK(cudaMemcpy(out, logits_ + size_t(slot) * c_.vocab, size_t(c_.vocab) * 4, cudaMemcpyDeviceToHost));
    }

  private:
    int dev_, sms_ = 0, cc_ = 0, optin_ = 0, max_seq_ = 0, splits_ = 1, all_cap_ = 0, slots_ = 1, max_batch_ = 1;
    int slot_ = 0;             // the slot whose cache prefill()/qknorm_rope() address
    size_t slot_stride_ = 0;   // elements of one slot's KV cache (all layers)
    bool use_graph_, want_pdl_, pdl_ = false, fused_attn_ = true, f32_act_ = false;  // pdl_: launches of the decode step use PDL
    bool pdl_full_only_ = false;  // with pdl_: only grids of at least one block per SM (Chain)
    unsigned old_ = 0;         // OLD_* bits: earlier kernels chosen by OLMO_CUDA_OLD
    std::array<int, 4> split_env_{};  // OLMO_CUDA_SPLIT: qkv, o, gate_up, down (0 = the rule)
    unsigned l2_first_ = kL2AllFirst;  // v18: batched-decode GEMMs reading weights evict-first (OLMO_CUDA_L2 mask)
    bool fused_norm_used_ = false;  // v19: a batched step has run the barrier GEMM (error hint)
    unsigned *gbar_ = nullptr;  // v19: grid barrier of the GEMMs with the post-norm fused {count, generation}
    bool fuse_norm_ = false;   // batched decode: splitk_norm_residual_kernel (v7)
    bool tc9_ = false;         // prefill GEMM: v9 tiles (BK 64, 3 stages) where the card has the shared memory
    bool wg_ = false;          // v10: gemm_wg_kernel (and v11 the GEMVs) on packed weight copies (Wt::pk)
    bool wg_no_room_ = false;  // wgmma possible, but the copies would not leave room for the KV cache
    bool rm_dropped_ = false;  // v11: only the packed copies of the GEMM/GEMV weights are kept
    // which GEMMs run gemm_wg_kernel (OLMO_CUDA_OLD=dgemm / tc7 / gemm bring back their mma.sync kernel)
    bool wg_decode() const { return wg_ && !(old_ & OLD_DGEMM); }
    bool wg_prefill() const { return wg_ && !(old_ & (OLD_TC7 | OLD_GEMM)); }
    std::string name_;
    Config c_;
    cudaStream_t stream_ = nullptr;
    cudaGraphExec_t graph_exec_ = nullptr;
    std::vector<void *> allocs_;
    bf16 *emb_ = nullptr, *final_norm_ = nullptr;
    Wt lm_;
    std::vector<DevLayer> layers_;
    bf16 *kcache_ = nullptr, *vcache_ = nullptr;
    float *inv_freq_ = nullptr;
    int *ids_ = nullptr, *next_ = nullptr;
    bf16 *x_ = nullptr, *xb_ = nullptr, *qkv_ = nullptr, *q_ = nullptr, *att_ = nullptr, *a_ = nullptr,
         *act_ = nullptr, *y_ = nullptr;
    float *logits_ = nullptr, *all_logits_ = nullptr, *part_o_ = nullptr, *part_ml_ = nullptr;
    unsigned *counters_ = nullptr, *best_counter_ = nullptr;
    float *best_val_ = nullptr;
    int *best_idx_ = nullptr;
    k::StepParams *params_ = nullptr, *h_params_ = nullptr;
    int *h_next_ = nullptr;
    int gemv_grid_[3] = {0, 0, 0};
    // batched decode
    int attn_chunk_ = 256;                   // keys per attention split of a batched row (OLMO_CUDA_ACHUNK)
    int attn_prefetch_ = 0;                  // keys per batched attention block fetched into L2 early (OLMO_CUDA_APF)
    int wpf_tiles_ = 0;                      // next GEMM's k-tiles per block fetched into L2 early (OLMO_CUDA_WPF)
    int krot_ = 0;                           // batched-decode GEMM blocks start at their own k-tile (OLMO_CUDA_KROT)
    int apro_ = 0;                           // the batched attention's v20 prologue (OLMO_CUDA_APRO)
    int pair_ = 0;                           // v23's gemm_pair_kernel in the batched step (OLMO_CUDA_PAIR)
    int pair_ring_ = k::PDB;                 // gemm_pair_kernel's weight ring (OLMO_CUDA_PAIRB)
    static constexpr int kB1AttnChunk = 32;  // batch-1: keys per split (up to splits_ splits): one batch of 8 keys per warp, loaded before the PDL wait
    k::StepParams *rows_ = nullptr, *h_rows_ = nullptr;
    k::PrefillSeq *seqs_ = nullptr, *h_seqs_ = nullptr;  // prefill_many: its sequences (v16)
    k::StepParams *prow_ = nullptr, *h_prow_ = nullptr;  // prefill_many: each row's position and slot (v16)
    int *bnext_ = nullptr, *h_bnext_ = nullptr;
    bf16 *bx_ = nullptr, *bqkv_ = nullptr, *batt_ = nullptr, *ba_ = nullptr, *bact_ = nullptr, *by_ = nullptr;
    float *bpart_o_ = nullptr, *bpart_ml_ = nullptr, *ws_ = nullptr;
    unsigned *bcounters_ = nullptr;
    int bsplits_ = 1;

    size_t layer_off(int l) const { return size_t(l) * c_.kv_heads * max_seq_ * c_.head_dim; }
    // Split-K factor of a batched GEMM: a function of N and K only (batch invariance), enough
    // (N tile, split) blocks for two per SM, each split at least 4 K tiles (with the wgmma GEMM at most kMaxSplit splits).
    // v14, the wgmma GEMM: at most one block per SM instead of two (the 1B's qkv: 1 split of 96 blocks, each
    // 12 stages deep, instead of 2 splits of 192 blocks, 1.45 waves of two per SM, and a reduce kernel):
    // batch 64 25,820 vs 25,331 tok/s, batch 128 34,039 vs 32,337 on an H100 (NOTES.md v14).
    int dbk() const { return (old_ & OLD_DGEMM) ? k::DBK_V6 : k::DBK; }
    int ksplit(int N, int K) const {
        const int H = c_.hidden, Q = c_.q_dim(), KV = c_.kv_dim(), I = c_.inter;
        const int named = N == Q + 2 * KV && K == H ? 0 : N == H && K == Q ? 1 : N == 2 * I && K == H ? 2
                        : N == H && K == I ? 3 : -1;
        if (named >= 0 && split_env_[size_t(named)] > 0) return split_env_[size_t(named)];
        const int nb = (N + k::DBN - 1) / k::DBN, ktiles = (K + dbk() - 1) / dbk();
        const int per_sm = wg_decode() ? 1 : 2;
        int s = 1;
        while (nb * s * 2 <= per_sm * sms_ && ktiles / (s * 2) >= 4) s *= 2;
        return wg_decode() ? std::min(s, kMaxSplit) : s;
    }
    // v10: at most 4 splits for the wgmma GEMM. With it the 1B's o_proj and down (S 8 before) ran faster at 4
    // (fewer FP32 partial bytes, longer weight streams per block): batch 64 24,297 vs 23,191 tok/s,
    // batch 128 30,239 vs 29,178 on an H100 (NOTES.md v10); 2 was slower (22,380).
    static constexpr int kMaxSplit = 4;
    // v12: gemm_wg_kernel with one k-tile's MMAs in flight, or v10's (OLMO_CUDA_OLD=wgwait)
    template <int EPI, int BN, int ST, int MW> auto wg_kernel() const {
        return (old_ & OLD_WGWAIT) ? k::gemm_wg_kernel<EPI, BN, ST, MW, 0> : k::gemm_wg_kernel<EPI, BN, ST, MW, 1>;
    }
    // The batched decode's: v21/v22's XT instance where OLMO_CUDA_KROT or OLMO_CUDA_WPF is set.
    template <int EPI, int BN, int ST, int MW> auto wg_decode_kernel() const {
        return krot_ || wpf_tiles_ ? k::gemm_wg_kernel<EPI, BN, ST, MW, 1, true> : wg_kernel<EPI, BN, ST, MW>();
    }
    // v18: the weights' L2 policy of batched-decode GEMM `gemm` (gemm_index: 0 qkv, 1 o, 2 gate_up, 3 down,
    // 4 lm_head), from OLMO_CUDA_L2.
    k::GemmExtra weight_policy(int gemm, k::WeightPrefetch pf = {}) const {
        k::GemmExtra ex{};
        ex.evict_first = (l2_first_ >> gemm) & 1u;
        ex.pf = pf;
        ex.krot = krot_;
        return ex;
    }
    // v21: what the batched-decode GEMM of W (N x K) at M rows reads before its PDL wait — each block's
    // first min(OLMO_CUDA_WPF, stages it loads ahead, its k-tiles) weight tiles — for the kernel before it
    // to request into L2 (none past kWpfCap bytes in all, or without packed weights).
    static constexpr size_t kWpfCap = size_t(16) << 20;
    k::WeightPrefetch next_weights(const Wt &W, int M, int N, int K) const {
        if (!wpf_tiles_ || !wg_decode() || !W.pk) return {};
        const int S = ksplit(N, K), ktiles = (K + k::WBK - 1) / k::WBK, ntiles = (N + 63) / 64;
        const int klt = (ktiles + S - 1) / S;
        const int ahead = (deep_decode(W, M, N, K) ? k::WDEEP : k::WDST) - 2;  // pipeline_start<ST - 1> (OV 1)
        const size_t per_tile = size_t(ntiles) * S * k::WTILE * sizeof(bf16);
        const int tiles = int(std::min<size_t>(std::min({wpf_tiles_, ahead, klt}), kWpfCap / per_tile));
        if (tiles <= 0) return {};
        return k::WeightPrefetch{W.pk, ntiles, ktiles, S, klt, tiles, krot_};
    }
    // The batched-decode GEMM of M rows runs the deep configuration (v14): one block per SM, grid at
    // most the SMs — the co-resident grid that v19's grid barrier needs.
    bool deep_decode(const Wt &W, int M, int N, int K) const {
        return wg_decode() && W.pk && M <= 64 && ((N + k::DBN - 1) / k::DBN) * ksplit(N, K) <= sms_ &&
               optin_ >= k::kGemmWgDeepSmem && !(old_ & OLD_DEEP);
    }
    // C == nullptr: only the FP32 partials to ws_ (even for S == 1), for splitk_norm. Returns S.
    // ex: v18's weight policy (gemm_wg_kernel only), v19's fused norm (deep only).
    template <int EPI>
    int gemm_decode(const bf16 *A, const Wt &W, int M, int N, int K, void *C, const k::StepParams *rows = nullptr,
                    k::GemmExtra ex = {}) {
        const bf16 *B = W.rm;
        const int S = ksplit(N, K), ktiles = (K + dbk() - 1) / dbk();
        const int klen = ((ktiles + S - 1) / S) * dbk();
        dim3 grid((M + k::DBM - 1) / k::DBM, (N + k::DBN - 1) / k::DBN, S);
        static_assert(k::DBK == k::WBK && k::DBN == 64, "gemm_wg_kernel takes gemm_decode_kernel's klen and N tiles");
        const bf16 *P = wg_decode() ? W.pk : nullptr;
        const bool deep = deep_decode(W, M, N, K);
        if (ex.bar && (!deep || C))
            fail(OLMO_ERR_INTERNAL, "CUDA backend: the fused post-norm needs the deep GEMM configuration and no C");
        if (deep)
            launch(wg_decode_kernel<EPI, 64, k::WDEEP, 1>(), grid, 128, k::gemm_wg_smem<64, k::WDEEP, 1>(), A, P, M, N, K,
                   klen, ws_, C, rows, ex);  // v14: one block per SM, ten k-tiles of loads ahead
        else if (P && M <= 64)
            launch(wg_decode_kernel<EPI, 64, k::WDST, 1>(), grid, 128, k::gemm_wg_smem<64, k::WDST, 1>(), A, P, M, N,
                   K, klen, ws_, C, rows, ex);
        else if (P) {  // two warpgroups (128 rows) per block: the weights once per 128 rows
            if (M > 128) ex.evict_first = 0;  // v18: several block rows read each weight tile
            launch(wg_decode_kernel<EPI, 64, k::WDST, 2>(), dim3((M + 127) / 128, grid.y, S), 256,
                   k::gemm_wg_smem<64, k::WDST, 2>(), A, P, M, N, K, klen, ws_, C, rows, ex);
        } else if (old_ & OLD_DGEMM)
            launch(k::gemm_decode_kernel<EPI, k::DBK_V6, k::DST_V6>, grid, 128, k::kGemmDecodeSmemV6, A, B, M, N, K,
                   klen, ws_, C, rows);
        else
            launch(k::gemm_decode_kernel<EPI>, grid, 128, k::kGemmDecodeSmem, A, B, M, N, K, klen, ws_, C, rows);
        if (S > 1 && C) {
            const int items = M * ((N + 1) / 2);
            launch(k::gemm_splitk_reduce_kernel<EPI>, (items + 255) / 256, 256, 0, (const float *)ws_, S, M, N, C, rows);
        }
        return S;
    }
    // bx_ = bx_ + post-norm(sum of the S partials in ws_); w_final: also by_ = final norm of the new bx_.
    void splitk_norm(int S, int n, const bf16 *w, const bf16 *w_final) {
        const int H = c_.hidden;
        launch(k::splitk_norm_residual_kernel, n, k::kSplitkNormThreads, size_t(H) * 4, (const float *)ws_, S, n, H,
               bx_, w, w_final, c_.eps, by_);
    }
    // The o_proj / down GEMM (N == hidden) and the post-norm after it: v19 fuses the norm into the GEMM
    // behind a grid barrier where the GEMM runs the deep configuration (co-resident grid; the same row
    // arithmetic as splitk_norm: bit-identical) with at least a block per row (else a few blocks would
    // norm all the rows one after another); otherwise the GEMM's partials and splitk_norm.
    void gemm_decode_norm(const bf16 *A, const Wt &W, int M, int N, int K, const bf16 *w, const bf16 *w_final,
                          k::GemmExtra ex) {
        const int blocks = ((N + k::DBN - 1) / k::DBN) * ksplit(N, K);
        if (!(old_ & OLD_GNORM) && deep_decode(W, M, N, K) && blocks >= M &&
            size_t(N + 33) * 4 <= size_t(k::kGemmWgDeepSmem) - 1024) {
            gemm_decode<k::EPI_BF16>(A, W, M, N, K, nullptr, nullptr, fused_norm(ex, w, w_final));
            return;
        }
        splitk_norm(gemm_decode<k::EPI_BF16>(A, W, M, N, K, nullptr, nullptr, ex), M, w, w_final);
    }
    // ex with the fused post-norm behind the grid barrier (v19): bx_ += post-norm(the partials' sum) with
    // weight w, and with w_final also by_ = final norm of the new bx_.
    k::GemmExtra fused_norm(k::GemmExtra ex, const bf16 *w, const bf16 *w_final) {
        fused_norm_used_ = true;
        ex.bar = gbar_;
        ex.x = bx_;
        ex.y = by_;
        ex.w = w;
        ex.w_final = w_final;
        ex.eps = c_.eps;
        return ex;
    }
    // v23: whether the batched step runs W1 (N1 x K1, o_proj or down, with its post-norm) and W2 (N2 x N1,
    // gate_up or the next qkv) as one gemm_pair_kernel: where gemm_decode_norm would fuse the norm (the
    // deep configuration, a block per row), W2 would run as one split (so the pair's bits are the two
    // kernels'), the norm's scratch fits the activation ring, and no tuning variant of the GEMMs is set.
    bool pair_ok(const Wt &W1, int M, int N1, int K1, const Wt &W2, int N2) const {
        return pair_ && fuse_norm_ && !(old_ & OLD_GNORM) && !krot_ && !wpf_tiles_ && W2.pk &&
               deep_decode(W1, M, N1, K1) && ((N1 + k::DBN - 1) / k::DBN) * ksplit(N1, K1) >= M &&
               ksplit(N2, N1) == 1 && size_t(N1 + 33) * 4 <= size_t(k::PDA) * k::WTILE * 2 &&
               optin_ >= k::gemm_pair_smem(pair_ring_) + k::kPairStaticSmem;
    }
    // bx_ = bx_ + post-norm(A · W1^T) as gemm_decode_norm (no final norm), then C2 = EPI2(bx_ · W2^T).
    template <int EPI2>
    void gemm_pair(const bf16 *A, const Wt &W1, int M, int N1, int K1, const bf16 *w, k::GemmExtra ex, const Wt &W2,
                   int N2, void *C2, int evict_first2) {
        const int S = ksplit(N1, K1), ktiles = (K1 + k::WBK - 1) / k::WBK, klen = ((ktiles + S - 1) / S) * k::WBK;
        auto kern = pair_ring_ == 14 ? k::gemm_pair_kernel<EPI2, 14> : pair_ring_ == 18 ? k::gemm_pair_kernel<EPI2, 18>
                                                                                      : k::gemm_pair_kernel<EPI2>;
        launch(kern, dim3(((N1 + k::DBN - 1) / k::DBN) * S), 128, k::gemm_pair_smem(pair_ring_), A, (const bf16 *)W1.pk, M, N1, K1,
               klen, ws_, fused_norm(ex, w, nullptr), k::PairNext{W2.pk, N2, C2, evict_first2});
    }
    // mode 0: x = x + post-norm(a) (rows of H); mode 1: y = final norm of x.
    void rownorm(int rows, bf16 *x, const bf16 *a, const bf16 *w, int mode, bf16 *y) {
        launch(k::rownorm_kernel, rows, 256, 0, x, a, w, c_.hidden, c_.eps, mode, y);
    }
    // Programmatic dependent launch for the kernels of a batched step or a prefill, from construction
    // to end() (or the scope's end, also when a launch throws): each may start while the one before
    // it finishes and waits (griddepcontrol.wait) before reading what that one wrote; the GEMMs
    // request their first weight tiles before that wait. full_grids_only (the prefill): a grid of
    // fewer blocks than SMs is launched plainly, because launched early its blocks land wherever the
    // kernel before left room, several to an SM, and the prefill's 128-block GEMMs and attention
    // then ran slower than the launch gap they saved (TTFT 8.15 ms with PDL for every grid, 7.02 ms
    // with this rule, 7.09 ms without PDL; the batched step gains most with every grid: NOTES.md v8).
    // Off before sm_90, with OLMO_FLAG_NO_PDL, or with OLMO_CUDA_OLD=chain. The batch-1 decode step
    // has its own (decode_body, captured in the CUDA graph).
    struct Chain {
        CudaBackend &b;
        Chain(CudaBackend &backend, bool full_grids_only) : b(backend) {
            b.pdl_ = b.want_pdl_ && !(b.old_ & OLD_CHAIN);
            b.pdl_full_only_ = full_grids_only;
        }
        void end() { b.pdl_ = b.pdl_full_only_ = false; }
        ~Chain() { end(); }
    };
    std::string old_names() const {
        std::string r;
        if (old_ & OLD_GEMM) r += "gemm ";
        if (old_ & OLD_NORM) r += "norm ";
        if (old_ & OLD_PROLOGUE) r += "prologue ";
        if (old_ & OLD_ATTN) r += "attn ";
        if (old_ & OLD_DGEMM) r += "dgemm ";
        if (old_ & OLD_CHAIN) r += "chain ";
        if (old_ & OLD_TC7) r += "tc7 ";
        if (old_ & OLD_WGMMA) r += "wgmma ";
        if (old_ & OLD_GEMV) r += "gemv ";
        if (old_ & OLD_BATTN) r += "battn ";
        if (old_ & OLD_WGWAIT) r += "wgwait ";
        if (old_ & OLD_DEEP) r += "deep ";
        if (old_ & OLD_PSEQ) r += "pseq ";
        if (old_ & OLD_GNORM) r += "gnorm ";
        if (!r.empty()) r.pop_back();
        return r;
    }

    // Whether this library carries sm_90a code for the device (wgmma_probe_kernel says so).
    bool wgmma_built() {
        int *d = alloc<int>(1), h = 0;
        k::wgmma_probe_kernel<<<1, 1>>>(d);
        CK_LAUNCH();
        CK(cudaMemcpy(&h, d, sizeof h, cudaMemcpyDeviceToHost));
        return h == 1;
    }
    void pack(Wt &w, int N, int K) {
        bf16 *p = alloc<bf16>(k::packed_elems(N, K));
        const size_t chunks = k::packed_elems(N, K) / 8;
        k::pack_tiles_kernel<<<int(std::min<size_t>((chunks + 255) / 256, size_t(sms_) * 16)), 256>>>(w.rm, N, K, p);
        CK_LAUNCH();
        w.pk = p;
    }
    // Frees one allocation made by alloc() before the backend goes.
    void release(const void *p) {
        auto it = std::find(allocs_.begin(), allocs_.end(), p);
        if (it == allocs_.end()) return;
        CK(cudaFree(*it));
        allocs_.erase(it);
    }
    template <class T> T *alloc(size_t n) {
        void *p = nullptr;
        CK(cudaMalloc(&p, std::max<size_t>(n, 1) * sizeof(T)));
        allocs_.push_back(p);
        return static_cast<T *>(p);
    }
    bf16 *upload(const std::vector<uint16_t> &v) {
        bf16 *p = alloc<bf16>(v.size());
        CK(cudaMemcpy(p, v.data(), v.size() * 2, cudaMemcpyHostToDevice));
        return p;
    }
    template <class F> int occupancy(F kern, int smem) {
        int per_sm = 0;
        CK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kern, 256, smem));
        return std::max(1, per_sm) * sms_;
    }
    int gemv_max_grid() const { return sms_ * 8; }  // 256-thread blocks: at most 8 per SM
    // KV cache [slot][layer][kv_head][max_seq][head_dim]; kc(l) is layer l of slot_.
    bf16 *kc(int l) { return kcache_ + slot_ * slot_stride_ + size_t(l) * c_.kv_heads * max_seq_ * c_.head_dim; }
    bf16 *vc(int l) { return vcache_ + slot_ * slot_stride_ + size_t(l) * c_.kv_heads * max_seq_ * c_.head_dim; }

    // Launches on stream_; inside the decode step with programmatic dependent launch (sm_90).
    template <typename... KArgs, typename... Args>
    void launch(void (*kern)(KArgs...), dim3 grid, dim3 block, size_t smem, Args... args) {
        cudaLaunchConfig_t cfg = {};
        cfg.gridDim = grid;
        cfg.blockDim = block;
        cfg.dynamicSmemBytes = smem;
        cfg.stream = stream_;
        cudaLaunchAttribute attr[1];
        attr[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
        attr[0].val.programmaticStreamSerializationAllowed = 1;
        cfg.attrs = attr;
        cfg.numAttrs = pdl_ && !(pdl_full_only_ && int(grid.x * grid.y * grid.z) < sms_) ? 1 : 0;
        CK(cudaLaunchKernelEx(&cfg, kern, static_cast<KArgs>(args)...));
    }
    // The attention kernels are instantiated for each supported head_dim (checked in load).
    template <class F> static F by_head_dim(int d, F d16, F d32, F d64, F d128) {
        return d == 16 ? d16 : d == 32 ? d32 : d == 64 ? d64 : d128;
    }
    // The batched attention (v12: <D, 8, direct>) of variant x (attn_decode_fused_body's X: 0 = v19's code).
    using BatchAttn = decltype(&k::attn_decode_batch_kernel<128, 8, true, 0>);
    template <int X> BatchAttn batch_attn_x() const {
        return by_head_dim(c_.head_dim, k::attn_decode_batch_kernel<16, 8, true, X>,
                           k::attn_decode_batch_kernel<32, 8, true, X>, k::attn_decode_batch_kernel<64, 8, true, X>,
                           k::attn_decode_batch_kernel<128, 8, true, X>);
    }
    BatchAttn batch_attn_kernel(int x) const {
        return x == 1 ? batch_attn_x<1>() : x == 2 ? batch_attn_x<2>() : x == 3 ? batch_attn_x<3>() : batch_attn_x<0>();
    }
    template <int MODE> void gemv(const Wt &W, int N, int K, k::GemvIn in, void *out) {
        const int rows_per_block = 8 * (MODE == k::GEMV_SWIGLU ? 2 : 1);
        const int grid = std::min(gemv_grid_[MODE], (N + rows_per_block - 1) / rows_per_block);
        in.vec = !(old_ & OLD_PROLOGUE);
        if (W.pk && !(old_ & OLD_GEMV))  // v11: the packed copy (the row-major one may be gone)
            launch(k::gemv_kernel<MODE, true>, grid, 256, size_t(K) * 2, W.pk, N, K, in, out);
        else
            launch(k::gemv_kernel<MODE>, grid, 256, size_t(K) * 2, W.rm, N, K, in, out);
    }
    template <int EPI> void gemm(const bf16 *A, const Wt &W, int M, int N, int K, void *C) {
        const bf16 *B = W.rm;
        if (old_ & OLD_GEMM) {  // v6's kernel does not wait for PDL: a plain launch
            const bool pdl = pdl_;
            pdl_ = false;
            dim3 grid((N + k::GBN - 1) / k::GBN, (M + k::GBM - 1) / k::GBM);
            launch(k::gemm_kernel<EPI>, grid, 256, 0, A, B, M, N, K, C);
            pdl_ = pdl;
        } else if (const bf16 *P = wg_prefill() ? W.pk : nullptr) {
            // v10: 128 rows (two warpgroups) x 128 weight rows per block where that makes a block per
            // SM, else x 64 (o_proj, down at 512 tokens: gemm_bench 19 / 59 us vs 26 / 86 us)
            const int ktiles = (K + k::WBK - 1) / k::WBK;
            const long b128 = long((N + 127) / 128) * ((M + 127) / 128);
            if (b128 >= sms_)
                launch(wg_kernel<EPI, 128, k::WPST128, 2>(), dim3((M + 127) / 128, (N + 127) / 128, 1), 256,
                       k::gemm_wg_smem<128, k::WPST128, 2>(), A, P, M, N, K, ktiles * k::WBK, (float *)nullptr, C,
                       (const k::StepParams *)nullptr, k::GemmExtra{});
            else
                launch(wg_kernel<EPI, 64, k::WDST, 2>(), dim3((M + 127) / 128, (N + 63) / 64, 1), 256,
                       k::gemm_wg_smem<64, k::WDST, 2>(), A, P, M, N, K, ktiles * k::WBK, (float *)nullptr, C,
                       (const k::StepParams *)nullptr, k::GemmExtra{});
        } else {
            const bool v9 = tc9_ && K % k::GBK9 == 0;  // v9: 64-wide K tiles, 3 stages
            const int bm = gemm_rows(M, N);
            dim3 grid((N + k::GBN - 1) / k::GBN, (M + bm - 1) / bm);
            if (bm == 64 && v9)
                launch(k::gemm_tc_kernel<EPI, 64, k::GBK9, k::GST9>, grid, 256, k::gemm_tc_smem(64, k::GBK9, k::GST9), A,
                       B, M, N, K, C);
            else if (bm == 64)
                launch(k::gemm_tc_kernel<EPI, 64>, grid, 256, k::gemm_tc_smem(64), A, B, M, N, K, C);
            else if (v9)
                launch(k::gemm_tc_kernel<EPI, 128, k::GBK9, k::GST9>, grid, 256, k::gemm_tc_smem(128, k::GBK9, k::GST9),
                       A, B, M, N, K, C);
            else
                launch(k::gemm_tc_kernel<EPI, 128>, grid, 256, k::gemm_tc_smem(128), A, B, M, N, K, C);
        }
    }
    // Rows per block tile of the prefill GEMM: 64 where that spreads the work over the SMs more
    // evenly (the busiest SM's share, in 64-row tiles: ceil(blocks / SMs) x rows / 64).
    int gemm_rows(int M, int N) const {
        const long nb = (N + k::GBN - 1) / k::GBN;
        const long b128 = nb * ((M + 127) / 128), b64 = nb * ((M + 63) / 64);
        return (b64 + sms_ - 1) / sms_ < 2 * ((b128 + sms_ - 1) / sms_) ? 64 : 128;
    }
    // row0: the sequence's first row in the activation buffers (a batched prefill packs several).
    // One sequence's n rows (from row0 of the pass), at positions (p ? p->pos : pos0).. of slot_.
    void qknorm_rope(int l, int n, const k::StepParams *p, int pos0, int row0 = 0) {
        qknorm_rope_launch(l, n, row0, p, pos0, kc(l), vc(l), nullptr);
    }
    // v16: the T rows of a batched prefill pass at once, each at its own position and slot (prow_).
    void qknorm_rope_pass(int l, int T) {
        qknorm_rope_launch(l, T, 0, nullptr, 0, kcache_ + layer_off(l), vcache_ + layer_off(l), prow_);
    }
    void qknorm_rope_launch(int l, int rows, int row0, const k::StepParams *p, int pos0, bf16 *kc, bf16 *vc,
                            const k::StepParams *prow) {
        const Config &c = c_;
        const DevLayer &L = layers_[l];
        launch(k::qknorm_rope_kernel, dim3(rows, 2), 256, size_t(std::max(c.q_dim(), c.kv_dim())) * 4,
               (const bf16 *)(qkv_ + size_t(row0) * (c.q_dim() + 2 * c.kv_dim())), c.q_dim(), c.kv_dim(), c.head_dim,
               (const bf16 *)L.q_norm, (const bf16 *)L.k_norm, (const float *)inv_freq_, p, pos0, c.eps,
               q_ + size_t(row0) * c.q_dim(), kc, vc, max_seq_, prow, slot_stride_);
    }
    // One sequence's n rows (from row0 of the pass) at positions pos0.. of slot_.
    void attn_prefill(int l, int n, int pos0, int row0 = 0) {
        const size_t qo = size_t(row0) * c_.q_dim();
        attn_prefill_launch(dim3((n + 63) / 64, c_.heads), q_ + qo, kc(l), vc(l), n, pos0, att_ + qo, nullptr);
    }
    // v16: the n sequences of a batched prefill pass (seqs_) in one grid, z = sequence.
    void attn_prefill_pass(int l, int n, int longest) {
        attn_prefill_launch(dim3((longest + 63) / 64, c_.heads, n), q_, kcache_ + layer_off(l), vcache_ + layer_off(l),
                            0, 0, att_, seqs_);
    }
    void attn_prefill_launch(dim3 grid, const bf16 *q, const bf16 *kc, const bf16 *vc, int n, int pos0, bf16 *out,
                             const k::PrefillSeq *seqs) {
        const Config &c = c_;
        const float scale = 1.f / std::sqrt(float(c.head_dim));
        auto kern = by_head_dim(c.head_dim, k::attn_prefill_kernel<16>, k::attn_prefill_kernel<32>,
                                k::attn_prefill_kernel<64>, k::attn_prefill_kernel<128>);
        launch(kern, grid, 128, 0, q, kc, vc, n, pos0, max_seq_, c.q_dim(), c.heads / c.kv_heads, scale, out, seqs,
               slot_stride_);
    }
    void attn_decode_fused(int l) {
        const Config &c = c_;
        const DevLayer &L = layers_[l];
        dim3 grid(c.heads, splits_);
        const float scale = 1.f / std::sqrt(float(c.head_dim));
        const int group = c.heads / c.kv_heads;
        auto kern = (old_ & OLD_BATTN)
                        ? by_head_dim(c.head_dim, k::attn_decode_fused_kernel<16>, k::attn_decode_fused_kernel<32>,
                                      k::attn_decode_fused_kernel<64>, k::attn_decode_fused_kernel<128>)
                        : by_head_dim(c.head_dim, k::attn_decode_fused_kernel<16, true>,
                                      k::attn_decode_fused_kernel<32, true>, k::attn_decode_fused_kernel<64, true>,
                                      k::attn_decode_fused_kernel<128, true>);
        launch(kern, grid, 128, 0, (const bf16 *)qkv_, c.q_dim(), c.kv_dim(), (const bf16 *)L.q_norm,
               (const bf16 *)L.k_norm, (const float *)inv_freq_, c.eps, kc(l), vc(l), (const k::StepParams *)params_,
               max_seq_, group, scale, part_o_, part_ml_, counters_, att_, (old_ & OLD_ATTN) ? 64 : kB1AttnChunk,
               (old_ & OLD_ATTN) ? 0 : 1);
    }
    void attn_decode(int l) {
        const Config &c = c_;
        dim3 grid(c.heads, splits_);
        const float scale = 1.f / std::sqrt(float(c.head_dim));
        const int group = c.heads / c.kv_heads;
        auto kern = by_head_dim(c.head_dim, k::attn_decode_kernel<16>, k::attn_decode_kernel<32>,
                                k::attn_decode_kernel<64>, k::attn_decode_kernel<128>);
        launch(kern, grid, 128, 0, (const bf16 *)q_, (const bf16 *)kc(l), (const bf16 *)vc(l),
               (const k::StepParams *)params_, max_seq_, group, scale, part_o_, part_ml_, counters_, att_);
    }

    // One decode step, all on stream_ (captured into the graph on first use).
    // The residual stream ping-pongs between x_ (row 0) and xb_ so that the GEMV prologues that
    // fold in the previous sublayer's post-norm never read and write the same buffer.
    void decode_body() {
        const Config &c = c_;
        const int H = c.hidden, Q = c.q_dim(), KV = c.kv_dim(), I = c.inter, V = c.vocab;
        CK(cudaMemcpyAsync(params_, h_params_, sizeof(k::StepParams), cudaMemcpyHostToDevice, stream_));
        k::embed_kernel<<<1, 128, 0, stream_>>>(nullptr, params_, emb_, x_, H);
        CK_LAUNCH();
        bf16 *cur = x_, *other = xb_;
        pdl_ = want_pdl_;  // kernels after the embedding overlap their predecessor's tail
        for (int l = 0; l < c.layers; ++l) {
            const DevLayer &L = layers_[l];
            k::GemvIn in{};
            in.eps = c.eps;
            if (l == 0) {
                in.x = cur;
            } else {
                in.resid = cur; in.delta = a_; in.w_delta = layers_[l - 1].post_ff; in.resid_out = other;
                std::swap(cur, other);
            }
            gemv<k::GEMV_BF16>(L.qkv, Q + 2 * KV, H, in, qkv_);
            if (fused_attn_) {
                attn_decode_fused(l);
            } else {
                qknorm_rope(l, 1, params_, 0);
                attn_decode(l);
            }
            in = k::GemvIn{};
            in.x = att_;
            gemv<k::GEMV_BF16>(L.o, H, Q, in, a_);
            in = k::GemvIn{};
            in.eps = c.eps; in.resid = cur; in.delta = a_; in.w_delta = L.post_attn; in.resid_out = other;
            std::swap(cur, other);
            gemv<k::GEMV_SWIGLU>(L.gu, 2 * I, H, in, act_);
            in = k::GemvIn{};
            in.x = act_;
            gemv<k::GEMV_BF16>(L.down, H, I, in, a_);
        }
        k::GemvIn in{};
        in.eps = c.eps; in.resid = cur; in.delta = a_; in.w_delta = layers_[c.layers - 1].post_ff;
        in.resid_out = other; in.w_final = final_norm_;
        if (fused_attn_) {  // argmax folded into the lm_head GEMV
            in.part_val = best_val_; in.part_idx = best_idx_; in.counter = best_counter_; in.next = next_;
            gemv<k::GEMV_F32>(lm_, V, H, in, logits_);
        } else {
            gemv<k::GEMV_F32>(lm_, V, H, in, logits_);
            launch(k::argmax_kernel, 1, 1024, 0, (const float *)logits_, V, next_);
        }
        pdl_ = false;
        CK(cudaMemcpyAsync(h_next_, next_, 4, cudaMemcpyDeviceToHost, stream_));
    }
};
}  // namespace

bool cuda_device_available(int device) {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        cudaGetLastError();
        return false;
    }
    return device >= 0 && device < n;
}

void cuda_code_info(int device, int *compute_capability, int *binary_version, int *ptx_version) {
    if (!cuda_device_available(device))
        fail(OLMO_ERR_NO_BACKEND, "no CUDA device " + std::to_string(device) + " (driver missing or no GPU)");
    CK(cudaSetDevice(device));
    cudaDeviceProp prop;
    CK(cudaGetDeviceProperties(&prop, device));
    cudaFuncAttributes attr;  // any of our kernels: they are all built for the same architectures
    CK(cudaFuncGetAttributes(&attr, k::embed_kernel));
    *compute_capability = prop.major * 10 + prop.minor;
    *binary_version = attr.binaryVersion;
    *ptx_version = attr.ptxVersion;
}

std::unique_ptr<Backend> make_cuda_backend(int device, uint32_t flags) {
    if (!cuda_device_available(device))
        fail(OLMO_ERR_NO_BACKEND, "no CUDA device " + std::to_string(device) + " (driver missing or no GPU)");
    return std::make_unique<CudaBackend>(device, flags);
}

}  // namespace olmo
