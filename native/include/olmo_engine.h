/*
 * olmo_engine.h — C ABI of the custom OLMo-2 inference engine.
 *
 * One engine = one model resident on one backend (CPU or CUDA) plus num_slots sequence slots
 * (KV cache allocated once at create time: num_slots fixed-size slots of max_seq_len tokens).
 * The batch-1 calls below (olmo_prefill, olmo_decode, ...) drive slot 0; the batched calls
 * (olmo_slot_prefill, olmo_batch_decode, ...) drive any slot, one decode step for many slots at once.
 *
 * Life cycle
 *   olmo_options opt; olmo_options_init(&opt);
 *   olmo_engine *e; olmo_engine_create("/path/to/snapshot", &opt, &e);
 *   int32_t next; olmo_prefill(e, prompt, n, &next);      // appends n tokens, returns next token
 *   while (...) olmo_decode(e, next, &next);              // appends one token, returns next token
 *   olmo_get_logits(e, buf, vocab);                       // float32 logits of the last appended position
 *   olmo_reset(e);                                        // empty the sequence, keep the weights
 *   olmo_engine_free(e);
 *
 * Batched life cycle (continuous batching: the caller admits and retires sequences between steps)
 *   opt.num_slots = 64; opt.max_seq_len = 1024;  olmo_engine_create(dir, &opt, &e);
 *   olmo_slot_prefill(e, slot, prompt, n, &next[slot]);   // appends to the slot; call it again with
 *                                                          // the next chunk of a long prompt
 *   olmo_batch_decode(e, k, slots, tokens, next);          // one step for k active slots
 *   olmo_slot_logits(e, slot, buf, vocab);                 // FP32 logits of that slot's last position
 *   olmo_slot_release(e, slot);                            // empty the slot for the next prompt
 * Greedy tokens are computed on the device; temperature/top-p sampling of batched sequences is the
 * caller's job, from olmo_slot_logits (the Java side samples). A sequence's batched output does not
 * depend on which other sequences share its steps (no cross-row reduction, per-row work partitioned
 * by the row's own length), so greedy output in a batch equals the same slot decoded alone through
 * olmo_batch_decode.
 *
 * Numerics follow Hugging Face transformers' Olmo2ForCausalLM in bfloat16: weights are
 * converted to BF16 at load (F32/F16/BF16 checkpoints accepted), activations are rounded
 * to BF16 at the same module boundaries as transformers, reductions, softmax, RMSNorm and
 * RoPE are computed in FP32. Logits are returned as FP32 (not rounded to BF16).
 *
 * Errors: every function returning olmo_status sets a thread-local message readable with
 * olmo_last_error() when it fails. A failed call leaves the engine usable unless it
 * returned OLMO_ERR_CUDA (then free it).
 *
 * Threading: an engine must not be used from two threads at once; different engines are
 * independent.
 *
 * Versioning: OLMO_ENGINE_ABI_VERSION changes whenever a signature or a struct layout
 * changes incompatibly. Callers should check olmo_abi_version() == OLMO_ENGINE_ABI_VERSION.
 * Structs passed in carry their own size (struct_size) so that fields can be appended.
 */
#ifndef OLMO_ENGINE_H
#define OLMO_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define OLMO_API __declspec(dllexport)
#else
#define OLMO_API __attribute__((visibility("default")))
#endif

#define OLMO_ENGINE_ABI_VERSION 2 /* 2: sequence slots and the batched calls; olmo_options.num_slots */

typedef enum olmo_status {
    OLMO_OK = 0,
    OLMO_ERR_INVALID_ARGUMENT = 1, /* null pointer, bad token id, bad size */
    OLMO_ERR_IO = 2,               /* file missing or unreadable */
    OLMO_ERR_FORMAT = 3,           /* malformed config.json / safetensors / index */
    OLMO_ERR_UNSUPPORTED = 4,      /* model type, dtype or shape not supported by the backend */
    OLMO_ERR_OUT_OF_MEMORY = 5,    /* host or device allocation failed */
    OLMO_ERR_CONTEXT_FULL = 6,     /* sequence would exceed max_seq_len */
    OLMO_ERR_STATE = 7,            /* e.g. logits requested before any token was processed */
    OLMO_ERR_NO_BACKEND = 8,       /* requested backend not compiled in, or no device */
    OLMO_ERR_CUDA = 9,             /* CUDA runtime error; engine should be freed */
    OLMO_ERR_INTERNAL = 10,
    OLMO_ERR_BAD_SLOT = 11         /* slot index outside [0, num_slots), or listed twice in one step */
} olmo_status;

typedef enum olmo_backend {
    OLMO_BACKEND_AUTO = 0, /* CUDA when compiled in, a device exists and the CUDA kernels cover the
                              model's shape (head_dim 16/32/64/128, sizes divisible by 32), else
                              CPU; the description of a
                              CPU fallback ends with "; CUDA declined: <reason>" */
    OLMO_BACKEND_CPU = 1,
    OLMO_BACKEND_CUDA = 2
} olmo_backend;

/* Tensor element types accepted for weights (safetensors names in brackets). */
typedef enum olmo_dtype {
    OLMO_DTYPE_F32 = 0,  /* "F32" */
    OLMO_DTYPE_F16 = 1,  /* "F16" */
    OLMO_DTYPE_BF16 = 2  /* "BF16" */
} olmo_dtype;

/* Flags for olmo_options.flags */
#define OLMO_FLAG_NO_CUDA_GRAPH 0x1u /* CUDA: launch decode kernels one by one (debugging) */
#define OLMO_FLAG_NO_PDL 0x2u        /* CUDA: no programmatic dependent launch in decode (A/B timing) */
#define OLMO_FLAG_UNFUSED_DECODE 0x4u /* CUDA: separate q/k-norm+RoPE and argmax kernels in decode (A/B) */
/* CPU (verification): no BF16 rounding between modules and an FP32 KV cache, i.e. what transformers
 * computes in FP32 on the same BF16 weights. The CUDA backend declines it (OLMO_ERR_UNSUPPORTED;
 * OLMO_BACKEND_AUTO then runs on the CPU). */
#define OLMO_FLAG_F32_ACTIVATIONS 0x8u

typedef struct olmo_options {
    uint32_t struct_size; /* = sizeof(olmo_options); set by olmo_options_init */
    int32_t backend;      /* olmo_backend */
    int32_t device;       /* CUDA device ordinal */
    int32_t max_seq_len;  /* KV-cache capacity in tokens; 0 = min(max_position_embeddings, 4096) */
    int32_t num_threads;  /* CPU backend worker threads; 0 = all hardware threads */
    int32_t prefill_chunk;/* tokens per prefill pass of one sequence (longer prompts are chunked);
                             0 = 512. olmo_batch_prefill packs whole prompts into passes of up to
                             max(prefill_chunk, 2048) tokens (at most max_batch * prefill_chunk
                             and num_slots * max_seq_len; environment OLMO_PREFILL_PASS replaces the
                             2048); the backend description names the pass where it exceeds the chunk */
    uint32_t flags;       /* OLMO_FLAG_* */
    int32_t num_slots;    /* sequence slots (KV caches of max_seq_len each); 0 = 1. Each slot costs
                             layers * kv_heads * head_dim * 4 bytes per token of max_seq_len */
    int32_t max_batch;    /* most slots in one olmo_batch_decode (activation buffers); 0 = num_slots */
} olmo_options;

typedef struct olmo_config {
    int32_t vocab_size;
    int32_t hidden_size;
    int32_t intermediate_size;
    int32_t num_layers;
    int32_t num_heads;
    int32_t num_kv_heads;
    int32_t head_dim;
    int32_t max_position_embeddings;
    float rope_theta;
    float rms_norm_eps;
    int32_t tie_word_embeddings; /* 0/1; lm_head falls back to embed_tokens when 1 */
} olmo_config;

/* One weight tensor handed in by the caller (olmo_engine_create_from_weights).
 * Names and shapes are those of a Hugging Face OLMo-2 checkpoint, e.g.
 * "model.layers.3.self_attn.q_proj.weight" [heads*head_dim, hidden]. Row-major, contiguous.
 * The data is copied during the call; the caller may free it afterwards. */
typedef struct olmo_weight {
    const char *name;
    int32_t dtype;          /* olmo_dtype */
    int32_t ndim;           /* 1 or 2 */
    int64_t shape[2];
    const void *data;
} olmo_weight;

/* Sampling. temperature <= 0 means greedy (argmax, computed on the device for CUDA). */
typedef struct olmo_sampling {
    uint32_t struct_size; /* = sizeof(olmo_sampling) */
    float temperature;
    int32_t top_k;        /* 0 = off */
    float top_p;          /* 1.0 = off */
    uint64_t seed;
} olmo_sampling;

typedef struct olmo_engine olmo_engine;

OLMO_API int olmo_abi_version(void);
/* Which backends this library was built with: bit 0 CPU, bit 1 CUDA. */
OLMO_API uint32_t olmo_compiled_backends(void);
OLMO_API const char *olmo_status_string(olmo_status s);
/* Message of the last failure on this thread ("" if none). Valid until the next call. */
OLMO_API const char *olmo_last_error(void);

OLMO_API void olmo_options_init(olmo_options *opt);

/* Reads <dir>/config.json and <dir>/model.safetensors, or <dir>/model.safetensors.index.json
 * and its shards. opt may be NULL (defaults). */
OLMO_API olmo_status olmo_engine_create(const char *snapshot_dir, const olmo_options *opt,
                                        olmo_engine **out);
OLMO_API olmo_status olmo_engine_create_from_weights(const olmo_config *cfg,
                                                     const olmo_weight *weights, int32_t n_weights,
                                                     const olmo_options *opt, olmo_engine **out);
OLMO_API void olmo_engine_free(olmo_engine *e);

OLMO_API olmo_status olmo_get_config(const olmo_engine *e, olmo_config *out);
/* Backend actually in use (olmo_backend), and a human-readable description (device name). */
OLMO_API int32_t olmo_get_backend(const olmo_engine *e);
OLMO_API const char *olmo_backend_description(const olmo_engine *e);
/* Number of tokens currently in the sequence (KV cache). */
OLMO_API int32_t olmo_position(const olmo_engine *e);
OLMO_API int32_t olmo_max_seq_len(const olmo_engine *e);

OLMO_API olmo_status olmo_set_sampling(olmo_engine *e, const olmo_sampling *s);

/* Appends n tokens (n >= 1) to the sequence and computes the logits of the last one.
 * next_token (may be NULL) receives the token chosen by the sampling settings. */
OLMO_API olmo_status olmo_prefill(olmo_engine *e, const int32_t *ids, int32_t n, int32_t *next_token);
/* Same, but also writes the logits of every appended position to all_logits
 * (n * vocab_size floats, row-major). For parity testing; slower and uses more memory. */
OLMO_API olmo_status olmo_prefill_all_logits(olmo_engine *e, const int32_t *ids, int32_t n,
                                             float *all_logits, int32_t *next_token);
/* Appends one token, computes its logits, returns the next token. On CUDA this is one
 * graph launch and a 4-byte copy. */
OLMO_API olmo_status olmo_decode(olmo_engine *e, int32_t token, int32_t *next_token);
/* Copies the float32 logits of the last appended position; n must be >= vocab_size. */
OLMO_API olmo_status olmo_get_logits(olmo_engine *e, float *out, int32_t n);
/* Empties the sequence (position = 0). Weights and buffers stay allocated. */
OLMO_API olmo_status olmo_reset(olmo_engine *e);

/* ---- Sequence slots (ABI 2). Slot 0 is the sequence of the batch-1 calls above. ---- */
OLMO_API int32_t olmo_num_slots(const olmo_engine *e);
OLMO_API int32_t olmo_max_batch(const olmo_engine *e);
/* Tokens in the slot's sequence, or -1 for a bad engine/slot. */
OLMO_API int32_t olmo_slot_position(const olmo_engine *e, int32_t slot);
/* Appends n tokens (n >= 1) to the slot's sequence (it does NOT empty it first: a long prompt may be
 * given in several calls, interleaved with olmo_batch_decode steps of other slots) and computes the
 * logits of the last one. next_token (may be NULL) receives its greedy (argmax) token.
 * Errors: OLMO_ERR_BAD_SLOT, OLMO_ERR_CONTEXT_FULL (nothing appended), OLMO_ERR_INVALID_ARGUMENT. */
OLMO_API olmo_status olmo_slot_prefill(olmo_engine *e, int32_t slot, const int32_t *ids, int32_t n,
                                       int32_t *next_token);
/* Prefill of several slots in one pass: appends lens[i] tokens (ids holds them back to back) to
 * slots[i] (distinct slots, 1 <= n <= max_batch) and writes each sequence's greedy next token to
 * next_tokens[i] (may be NULL). Sequences of at most prefill_chunk tokens are packed into passes of
 * up to max(prefill_chunk, 2048) tokens (see olmo_options; the projections of a pass run as one GEMM
 * over all its rows); a longer one is chunked alone.
 * Checked before any work, like olmo_batch_decode. A sequence's logits equal those of the same
 * call with that sequence alone; the last position's logits may differ from olmo_slot_prefill's
 * in rounding (another lm_head kernel on CUDA). */
OLMO_API olmo_status olmo_batch_prefill(olmo_engine *e, int32_t n, const int32_t *slots, const int32_t *lens,
                                        const int32_t *ids, int32_t *next_tokens);
/* One decode step for n slots (1 <= n <= max_batch, each slot at most once, each holding at least
 * one token): appends tokens[i] to slots[i] and writes the greedy next token of each to
 * next_tokens[i] (may be NULL). Logits of each slot stay readable with olmo_slot_logits until the
 * slot's next step. Checked before any work: a bad slot, token or full slot fails the whole step
 * and appends nothing. */
OLMO_API olmo_status olmo_batch_decode(olmo_engine *e, int32_t n, const int32_t *slots,
                                       const int32_t *tokens, int32_t *next_tokens);
/* Copies the FP32 logits of the slot's last position; n must be >= vocab_size. */
OLMO_API olmo_status olmo_slot_logits(olmo_engine *e, int32_t slot, float *out, int32_t n);
/* Empties the slot (position 0) so it can take a new sequence. */
OLMO_API olmo_status olmo_slot_release(olmo_engine *e, int32_t slot);
/* Which code of this library's CUDA kernels runs on CUDA device `device`, from
 * cudaFuncGetAttributes: *compute_capability is the device's (e.g. 120 for 12.0), *binary_version
 * the architecture of the machine code the driver loaded (e.g. 90) and *ptx_version that of the
 * code it came from. binary_version > ptx_version means the driver JIT-compiled our PTX (a card
 * newer than every SASS in the library); equal means machine code built for this architecture
 * family ran. OLMO_ERR_NO_BACKEND when the library has no CUDA or there is no such device. */
OLMO_API olmo_status olmo_cuda_code_info(int32_t device, int32_t *compute_capability,
                                         int32_t *binary_version, int32_t *ptx_version);

#ifdef __cplusplus
}
#endif
#endif /* OLMO_ENGINE_H */
