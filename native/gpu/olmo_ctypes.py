"""ctypes binding of libolmo_engine (native/include/olmo_engine.h), for the GPU harness."""
import ctypes as C
import numpy as np

OK = 0
BACKEND_AUTO, BACKEND_CPU, BACKEND_CUDA = 0, 1, 2
FLAG_NO_CUDA_GRAPH = 1
FLAG_NO_PDL = 2
FLAG_UNFUSED_DECODE = 4
FLAG_F32_ACTIVATIONS = 8  # CPU only: no BF16 rounding between modules, FP32 KV cache
DTYPES = {"float32": 0, "float16": 1, "bfloat16": 2}


class Options(C.Structure):
    _fields_ = [("struct_size", C.c_uint32), ("backend", C.c_int32), ("device", C.c_int32),
                ("max_seq_len", C.c_int32), ("num_threads", C.c_int32), ("prefill_chunk", C.c_int32),
                ("flags", C.c_uint32), ("num_slots", C.c_int32), ("max_batch", C.c_int32)]


class Config(C.Structure):
    _fields_ = [("vocab_size", C.c_int32), ("hidden_size", C.c_int32), ("intermediate_size", C.c_int32),
                ("num_layers", C.c_int32), ("num_heads", C.c_int32), ("num_kv_heads", C.c_int32),
                ("head_dim", C.c_int32), ("max_position_embeddings", C.c_int32), ("rope_theta", C.c_float),
                ("rms_norm_eps", C.c_float), ("tie_word_embeddings", C.c_int32)]


class Weight(C.Structure):
    _fields_ = [("name", C.c_char_p), ("dtype", C.c_int32), ("ndim", C.c_int32), ("shape", C.c_int64 * 2),
                ("data", C.c_void_p)]


class EngineError(RuntimeError):
    pass


class Lib:
    def __init__(self, path):
        L = self.L = C.CDLL(path)
        P = C.c_void_p
        L.olmo_abi_version.restype = C.c_int
        L.olmo_last_error.restype = C.c_char_p
        L.olmo_backend_description.restype = C.c_char_p
        L.olmo_backend_description.argtypes = [P]
        L.olmo_options_init.argtypes = [C.POINTER(Options)]
        L.olmo_engine_create.argtypes = [C.c_char_p, C.POINTER(Options), C.POINTER(P)]
        L.olmo_engine_create_from_weights.argtypes = [C.POINTER(Config), C.POINTER(Weight), C.c_int32,
                                                      C.POINTER(Options), C.POINTER(P)]
        L.olmo_engine_free.argtypes = [P]
        L.olmo_get_config.argtypes = [P, C.POINTER(Config)]
        L.olmo_prefill.argtypes = [P, C.POINTER(C.c_int32), C.c_int32, C.POINTER(C.c_int32)]
        L.olmo_prefill_all_logits.argtypes = [P, C.POINTER(C.c_int32), C.c_int32, C.POINTER(C.c_float),
                                              C.POINTER(C.c_int32)]
        L.olmo_decode.argtypes = [P, C.c_int32, C.POINTER(C.c_int32)]
        L.olmo_get_logits.argtypes = [P, C.POINTER(C.c_float), C.c_int32]
        L.olmo_reset.argtypes = [P]
        L.olmo_position.argtypes = [P]
        I32P = C.POINTER(C.c_int32)
        L.olmo_num_slots.argtypes = [P]
        L.olmo_slot_position.argtypes = [P, C.c_int32]
        L.olmo_slot_prefill.argtypes = [P, C.c_int32, I32P, C.c_int32, I32P]
        L.olmo_batch_decode.argtypes = [P, C.c_int32, I32P, I32P, I32P]
        L.olmo_slot_logits.argtypes = [P, C.c_int32, C.POINTER(C.c_float), C.c_int32]
        L.olmo_slot_release.argtypes = [P, C.c_int32]

    def check(self, status, what):
        if status != OK:
            raise EngineError(f"{what}: status {status}: {self.L.olmo_last_error().decode()}")


class Engine:
    def __init__(self, lib, snapshot=None, backend=BACKEND_CUDA, max_seq=4096, chunk=0, flags=0,
                 config=None, weights=None, slots=1):
        self.lib, L = lib, lib.L
        if L.olmo_abi_version() != 2:
            raise EngineError(f"libolmo_engine ABI {L.olmo_abi_version()}, this binding is for 2")
        opt = Options()
        L.olmo_options_init(C.byref(opt))
        opt.backend, opt.max_seq_len, opt.prefill_chunk, opt.flags = backend, max_seq, chunk, flags
        opt.num_slots = slots
        h = C.c_void_p()
        if snapshot is not None:
            lib.check(L.olmo_engine_create(snapshot.encode(), C.byref(opt), C.byref(h)), "create")
        else:
            arr = (Weight * len(weights))(*weights)
            lib.check(L.olmo_engine_create_from_weights(C.byref(config), arr, len(weights), C.byref(opt),
                                                        C.byref(h)), "create_from_weights")
        self.h = h
        cfg = Config()
        lib.check(L.olmo_get_config(h, C.byref(cfg)), "get_config")
        self.cfg = cfg
        self.vocab = cfg.vocab_size
        self.description = L.olmo_backend_description(h).decode()
        self._next = C.c_int32()

    def close(self):
        if self.h:
            self.lib.L.olmo_engine_free(self.h)
            self.h = None

    def reset(self):
        self.lib.check(self.lib.L.olmo_reset(self.h), "reset")

    def prefill(self, ids):
        a = np.ascontiguousarray(ids, dtype=np.int32)
        self.lib.check(self.lib.L.olmo_prefill(self.h, a.ctypes.data_as(C.POINTER(C.c_int32)), len(a),
                                               C.byref(self._next)), "prefill")
        return self._next.value

    def prefill_all_logits(self, ids):
        a = np.ascontiguousarray(ids, dtype=np.int32)
        out = np.full((len(a), self.vocab), np.nan, dtype=np.float32)  # poisoned
        self.lib.check(self.lib.L.olmo_prefill_all_logits(
            self.h, a.ctypes.data_as(C.POINTER(C.c_int32)), len(a),
            out.ctypes.data_as(C.POINTER(C.c_float)), C.byref(self._next)), "prefill_all_logits")
        return out, self._next.value

    def decode(self, tok):
        self.lib.check(self.lib.L.olmo_decode(self.h, int(tok), C.byref(self._next)), "decode")
        return self._next.value

    def logits(self, out=None):
        if out is None:
            out = np.full(self.vocab, np.nan, dtype=np.float32)
        self.lib.check(self.lib.L.olmo_get_logits(self.h, out.ctypes.data_as(C.POINTER(C.c_float)), self.vocab),
                       "get_logits")
        return out

    # ---- sequence slots (ABI 2)
    def slot_prefill(self, slot, ids):
        a = np.ascontiguousarray(ids, dtype=np.int32)
        self.lib.check(self.lib.L.olmo_slot_prefill(self.h, slot, a.ctypes.data_as(C.POINTER(C.c_int32)), len(a),
                                                    C.byref(self._next)), "slot_prefill")
        return self._next.value

    def batch_decode(self, slots, tokens, out=None):
        """slots, tokens: int32 arrays of equal length; returns the greedy next tokens (int32 array)."""
        s = np.ascontiguousarray(slots, dtype=np.int32)
        t = np.ascontiguousarray(tokens, dtype=np.int32)
        if out is None:
            out = np.empty(len(s), dtype=np.int32)
        P = C.POINTER(C.c_int32)
        self.lib.check(self.lib.L.olmo_batch_decode(self.h, len(s), s.ctypes.data_as(P), t.ctypes.data_as(P),
                                                    out.ctypes.data_as(P)), "batch_decode")
        return out

    def slot_logits(self, slot, out=None):
        if out is None:
            out = np.full(self.vocab, np.nan, dtype=np.float32)
        self.lib.check(self.lib.L.olmo_slot_logits(self.h, slot, out.ctypes.data_as(C.POINTER(C.c_float)),
                                                   self.vocab), "slot_logits")
        return out

    def slot_release(self, slot):
        self.lib.check(self.lib.L.olmo_slot_release(self.h, slot), "slot_release")
