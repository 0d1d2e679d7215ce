// Internal types shared by the ABI front (engine.cpp), the loaders and the backends.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "olmo_engine.h"

namespace olmo {

// Internal failures travel as exceptions and become a status + message at the ABI boundary.
struct Error : std::runtime_error {
    olmo_status status;
    Error(olmo_status s, const std::string &msg) : std::runtime_error(msg), status(s) {}
};
[[noreturn]] inline void fail(olmo_status s, const std::string &msg) { throw Error(s, msg); }

// ---- bfloat16 helpers (bit patterns in uint16_t) ----
inline float bf16_to_f32(uint16_t b) {
    uint32_t u = uint32_t(b) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}
inline uint16_t f32_to_bf16(float f) {  // round to nearest even, NaN kept quiet
    uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return uint16_t((u >> 16) | 0x40);
    u += 0x7fffu + ((u >> 16) & 1u);
    return uint16_t(u >> 16);
}
inline float round_bf16(float f) { return bf16_to_f32(f32_to_bf16(f)); }
float f16_to_f32(uint16_t h);

// Converts n elements of the given dtype to BF16.
void convert_to_bf16(olmo_dtype dt, const void *src, size_t n, uint16_t *dst);

struct Config {
    int vocab = 0, hidden = 0, inter = 0, layers = 0, heads = 0, kv_heads = 0, head_dim = 0;
    int max_pos = 4096;
    float rope_theta = 10000.f, eps = 1e-5f;
    bool tie = false;
    int q_dim() const { return heads * head_dim; }
    int kv_dim() const { return kv_heads * head_dim; }
    void validate() const;
    olmo_config to_c() const;
    static Config from_c(const olmo_config &c);
};

Config parse_config_json(const std::string &text);

// A read-only view of one tensor, wherever it lives (mmap'ed file or caller buffer).
struct TensorView {
    olmo_dtype dtype;
    std::vector<int64_t> shape;
    const void *data;
    size_t numel() const {
        size_t n = 1;
        for (auto d : shape) n *= size_t(d);
        return n;
    }
};

// Source of named tensors. Implementations: safetensors snapshot, caller buffers.
class TensorSource {
  public:
    virtual ~TensorSource() = default;
    virtual bool has(const std::string &name) const = 0;
    virtual TensorView get(const std::string &name) const = 0;  // throws if missing
    // Fetches a tensor, checks its shape and converts it to BF16 into dst.
    void load_bf16(const std::string &name, std::vector<int64_t> shape, uint16_t *dst) const;
};

std::unique_ptr<TensorSource> open_snapshot(const std::string &dir, std::string *config_text);
std::unique_ptr<TensorSource> wrap_buffers(const olmo_weight *w, int n);

// Model weights in BF16, in the fused layouts the backends use:
//   qkv   [q_dim + 2*kv_dim, hidden]  rows: q_proj, k_proj, v_proj
//   gu    [2*inter, hidden]           rows interleaved: gate_0, up_0, gate_1, up_1, ...
// Backends copy from here into their own storage, layer by layer.
struct LayerWeights {
    std::vector<uint16_t> qkv, o, gu, down, q_norm, k_norm, post_attn, post_ff;
};
void load_layer(const TensorSource &src, const Config &c, int layer, LayerWeights &lw);

// The interface each backend implements. Positions and slots are managed (and checked) by the
// engine front; the KV cache holds `slots` fixed-size sequences of max_seq tokens.
class Backend {
  public:
    virtual ~Backend() = default;
    virtual std::string description() const = 0;
    // Loads weights and allocates `slots` KV caches of max_seq tokens, activations for max_batch rows
    // per batched decode step and for `pass` token rows per prefill pass (pass >= prefill_chunk, the
    // most tokens of one sequence per prefill call); called once.
    virtual void load(const Config &c, const TensorSource &src, int max_seq, int prefill_chunk, int pass, int slots,
                      int max_batch) = 0;
    // Processes n tokens of one slot at positions pos0..pos0+n-1 (n <= prefill_chunk). Computes the
    // logits of the last position (kept per slot); if all_logits != null, also every row.
    // Returns the greedy (argmax) token of the last position.
    virtual int32_t prefill(int slot, const int32_t *ids, int n, int pos0, float *all_logits) = 0;
    // Batch-1 fast path: one token of slot 0 at position pos; logits and greedy token of slot 0.
    virtual int32_t decode(int32_t token, int pos) = 0;
    // One step for n distinct slots: tokens[i] at position pos[i] of slots[i]; greedy tokens to next[i].
    // A row's arithmetic must not depend on the other rows (batch invariance).
    virtual void decode_batch(int n, const int32_t *slots, const int32_t *tokens, const int32_t *pos,
                              int32_t *next) = 0;
    virtual void copy_logits(int slot, float *out) = 0;
    // Prefill of n sequences in one pass (each of lens <= prefill_chunk, their sum <= pass, n <= max_batch): lens[i]
    // tokens of ids (back to back) at positions pos0[i].. of slots[i]; greedy tokens to next[i].
    // Default: one prefill per sequence.
    virtual void prefill_many(int n, const int32_t *slots, const int32_t *lens, const int32_t *pos0,
                              const int32_t *ids, int32_t *next) {
        for (int i = 0, off = 0; i < n; off += lens[i++]) {
            const int32_t t = prefill(slots[i], ids + off, lens[i], pos0[i], nullptr);
            if (next) next[i] = t;
        }
    }
};

std::unique_ptr<Backend> make_cpu_backend(int num_threads, uint32_t flags);
#ifdef OLMO_WITH_CUDA
std::unique_ptr<Backend> make_cuda_backend(int device, uint32_t flags);
bool cuda_device_available(int device);
// olmo_cuda_code_info: the device's compute capability and the code that runs our kernels there.
void cuda_code_info(int device, int *compute_capability, int *binary_version, int *ptx_version);
#endif

}  // namespace olmo
