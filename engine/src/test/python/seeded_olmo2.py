"""Python port of the engine's seeded OLMo-2 weights (WeightGenerator + Olmo2Tensors in Java).

Works on numpy arrays (for checking against a Java-written snapshot here) and on torch tensors
(on the GPU machine, to rebuild snapshots too large to carry). All arithmetic is int64 with
wrap-around and masked (logical) right shifts, so both libraries give the same bits as Java.
"""
import math

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
C1 = 0xBF58476D1CE4E5B9
C2 = 0x94D049BB133111EB

PRESETS = {
    # hidden, intermediate, layers, heads, kv heads (Preset.java)
    "tiny": (64, 256, 2, 4, 2),
    "olmo2-1b": (2048, 8192, 16, 16, 16),
    "olmo2-7b": (4096, 11008, 32, 32, 32),
}
VOCAB = 100352
MATRIX_STD = 0.02
NORM_STD = 0.1


def signed(v):
    v &= MASK64
    return v - (1 << 64) if v >= 1 << 63 else v


def mix_int(z):
    z &= MASK64
    z = ((z ^ (z >> 30)) * C1) & MASK64
    z = ((z ^ (z >> 27)) * C2) & MASK64
    return z ^ (z >> 31)


def key(seed, name):
    h = 0xCBF29CE484222325
    for b in name.encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & MASK64
    return mix_int(((seed * GOLDEN) & MASK64) ^ h)


def _lsr(z, n):
    return (z >> n) & ((1 << (64 - n)) - 1)


def _mix_array(z):
    z = (z ^ _lsr(z, 30)) * signed(C1)
    z = (z ^ _lsr(z, 27)) * signed(C2)
    return z ^ _lsr(z, 31)


def values(xp, k, count, center, std, device=None):
    """float32 values of a tensor stream (xp is numpy or torch)."""
    f32 = xp.float32
    if xp.__name__ == "torch":
        idx = xp.arange(count, dtype=xp.int64, device=device)
    else:
        idx = xp.arange(count, dtype=xp.int64)
    z = _mix_array(idx * signed(GOLDEN) + signed(k))
    top = _lsr(z, 40)
    unit = top.to(f32) if xp.__name__ == "torch" else top.astype(f32)
    unit = unit * f32(2.0 ** -24) if xp.__name__ != "torch" else unit * (2.0 ** -24)
    unit = unit * 2 - 1
    half = float(f32_round(float(f32_round(std)) * math.sqrt(3.0)))
    return unit * half + center if xp.__name__ == "torch" else (unit * f32(half) + f32(center)).astype(f32)


def f32_round(x):
    import struct

    return struct.unpack("<f", struct.pack("<f", x))[0]


def tensor_specs(preset):
    """(name, shape, center, std) in Hugging Face order."""
    h, inter, layers, heads, kv_heads = PRESETS[preset]
    hd = h // heads
    q, kv = heads * hd, kv_heads * hd
    out = [("model.embed_tokens.weight", (VOCAB, h), 0.0, MATRIX_STD)]
    for i in range(layers):
        p = f"model.layers.{i}."
        out += [
            (p + "self_attn.q_proj.weight", (q, h), 0.0, MATRIX_STD),
            (p + "self_attn.k_proj.weight", (kv, h), 0.0, MATRIX_STD),
            (p + "self_attn.v_proj.weight", (kv, h), 0.0, MATRIX_STD),
            (p + "self_attn.o_proj.weight", (h, q), 0.0, MATRIX_STD),
            (p + "self_attn.q_norm.weight", (q,), 1.0, NORM_STD),
            (p + "self_attn.k_norm.weight", (kv,), 1.0, NORM_STD),
            (p + "mlp.gate_proj.weight", (inter, h), 0.0, MATRIX_STD),
            (p + "mlp.up_proj.weight", (inter, h), 0.0, MATRIX_STD),
            (p + "mlp.down_proj.weight", (h, inter), 0.0, MATRIX_STD),
            (p + "post_attention_layernorm.weight", (h,), 1.0, NORM_STD),
            (p + "post_feedforward_layernorm.weight", (h,), 1.0, NORM_STD),
        ]
    out.append(("model.norm.weight", (h,), 1.0, NORM_STD))
    out.append(("lm_head.weight", (VOCAB, h), 0.0, MATRIX_STD))
    return out


def config_json(preset, dtype):
    h, inter, layers, heads, kv_heads = PRESETS[preset]
    return {
        "architectures": ["Olmo2ForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "eos_token_id": 100257,
        "hidden_act": "silu",
        "hidden_size": h,
        "initializer_range": 0.02,
        "intermediate_size": inter,
        "max_position_embeddings": 4096,
        "model_type": "olmo2",
        "num_attention_heads": heads,
        "num_hidden_layers": layers,
        "num_key_value_heads": kv_heads,
        "pad_token_id": 100277,
        "rms_norm_eps": 1e-06,
        "rope_scaling": None,
        "rope_theta": 500000.0,
        "tie_word_embeddings": False,
        "torch_dtype": dtype,
        "transformers_version": "4.48.0",
        "use_cache": True,
        "vocab_size": VOCAB,
    }


def bf16_bits_numpy(np, v):
    """float32 array -> bfloat16 bit patterns (uint16), round to nearest even."""
    bits = v.astype(np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)
