/*
 * JNI glue for dev.orchestrate.engine.custom.NativeEngine (package-private static natives):
 *   static native long  create(String snapshotDir, int backend, int device, int maxSeqLen, int slots);
 *                       // backend: olmo_backend (0 auto, 1 CPU, 2 CUDA); maxSeqLen 0 = default;
 *                       // slots: sequence slots (KV caches), 1 for batch-1 use
 *   static native int   prefill(long handle, int[] ids, int n);    // empties the sequence first;
 *                                                                   // returns the next token
 *   static native int   decode(long handle, int token);            // returns the next token
 *   static native void  logits(long handle, float[] out);          // out.length >= vocab
 *   static native void  reset(long handle);
 *   static native int   vocabSize(long handle);
 *   static native int   maxSeqLen(long handle);
 *   static native int   backend(long handle);                      // olmo_backend in use
 *   static native String describe(long handle);
 *   static native void  free(long handle);
 * Batched (ABI 2, slot 0 is the sequence of the batch-1 natives above):
 *   static native int   slots(long handle);
 *   static native int   maxBatch(long handle);
 *   static native int   slotPosition(long handle, int slot);
 *   static native int   slotPrefill(long handle, int slot, int[] ids, int offset, int n);
 *                       // appends ids[offset..offset+n) to the slot; returns its greedy next token
 *   static native void  batchPrefill(long handle, int n, int[] slots, int[] lens, int[] ids, int[] next);
 *                       // ids: the n prompts back to back
 *   static native void  batchDecode(long handle, int n, int[] slots, int[] tokens, int[] next);
 *   static native void  slotLogits(long handle, int slot, float[] out);
 *   static native void  slotRelease(long handle, int slot);
 *   static native int[] cudaCodeInfo(int device);                 // {compute capability,
 *                       // binary version, ptx version} of olmo_cuda_code_info, e.g. {120, 120, 90}
 * Failures throw dev.orchestrate.engine.custom.NativeEngineException(String) when that class
 * exists, else java.lang.IllegalStateException, with olmo_last_error()'s message.
 * One native call per token; no allocation on the decode path.
 */
#include <jni.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "olmo_engine.h"

#define CLS(name) Java_dev_orchestrate_engine_custom_NativeEngine_##name

static void throw_status(JNIEnv *env, const char *what, olmo_status s) {
    char msg[1024];
    snprintf(msg, sizeof msg, "%s failed (%s): %s", what, olmo_status_string(s), olmo_last_error());
    jclass c = (*env)->FindClass(env, "dev/orchestrate/engine/custom/NativeEngineException");
    if (!c) {
        (*env)->ExceptionClear(env);
        c = (*env)->FindClass(env, "java/lang/IllegalStateException");
    }
    if (c) (*env)->ThrowNew(env, c, msg);
}

static olmo_engine *handle(JNIEnv *env, jlong h) {
    if (h == 0) {
        jclass c = (*env)->FindClass(env, "java/lang/IllegalStateException");
        if (c) (*env)->ThrowNew(env, c, "native engine already freed");
    }
    return (olmo_engine *)(intptr_t)h;
}

JNIEXPORT jlong JNICALL CLS(create)(JNIEnv *env, jclass cls, jstring dir, jint backend, jint device,
                                    jint max_seq_len, jint slots) {
    (void)cls;
    if (olmo_abi_version() != OLMO_ENGINE_ABI_VERSION) {
        jclass c = (*env)->FindClass(env, "java/lang/UnsatisfiedLinkError");
        if (c) (*env)->ThrowNew(env, c, "libolmo_engine ABI version mismatch");
        return 0;
    }
    const char *path = (*env)->GetStringUTFChars(env, dir, NULL);
    if (!path) return 0;
    olmo_options opt;
    olmo_options_init(&opt);
    opt.backend = backend;
    opt.device = device;
    opt.max_seq_len = max_seq_len;
    opt.num_slots = slots;
    olmo_engine *e = NULL;
    olmo_status s = olmo_engine_create(path, &opt, &e);
    (*env)->ReleaseStringUTFChars(env, dir, path);
    if (s != OLMO_OK) {
        throw_status(env, "create", s);
        return 0;
    }
    return (jlong)(intptr_t)e;
}

JNIEXPORT jint JNICALL CLS(prefill)(JNIEnv *env, jclass cls, jlong h, jintArray ids, jint n) {
    (void)cls;
    olmo_engine *e = handle(env, h);
    if (!e) return -1;
    if (n < 0 || n > (*env)->GetArrayLength(env, ids)) {
        throw_status(env, "prefill (n larger than the array)", OLMO_ERR_INVALID_ARGUMENT);
        return -1;
    }
    olmo_status s = olmo_reset(e);
    if (s != OLMO_OK) {
        throw_status(env, "prefill (reset)", s);
        return -1;
    }
    jint *p = (*env)->GetIntArrayElements(env, ids, NULL);
    if (!p) return -1;
    int32_t next = -1;
    s = olmo_prefill(e, (const int32_t *)p, n, &next);
    (*env)->ReleaseIntArrayElements(env, ids, p, JNI_ABORT);
    if (s != OLMO_OK) throw_status(env, "prefill", s);
    return next;
}

JNIEXPORT jint JNICALL CLS(decode)(JNIEnv *env, jclass cls, jlong h, jint token) {
    (void)cls;
    olmo_engine *e = handle(env, h);
    if (!e) return -1;
    int32_t next = -1;
    olmo_status s = olmo_decode(e, token, &next);
    if (s != OLMO_OK) throw_status(env, "decode", s);
    return next;
}

JNIEXPORT void JNICALL CLS(logits)(JNIEnv *env, jclass cls, jlong h, jfloatArray out) {
    (void)cls;
    olmo_engine *e = handle(env, h);
    if (!e) return;
    jsize n = (*env)->GetArrayLength(env, out);
    jfloat *p = (*env)->GetPrimitiveArrayCritical(env, out, NULL);
    if (!p) return;
    olmo_status s = olmo_get_logits(e, p, n);
    (*env)->ReleasePrimitiveArrayCritical(env, out, p, s == OLMO_OK ? 0 : JNI_ABORT);
    if (s != OLMO_OK) throw_status(env, "logits", s);
}

JNIEXPORT void JNICALL CLS(reset)(JNIEnv *env, jclass cls, jlong h) {
    (void)cls;
    olmo_engine *e = handle(env, h);
    if (!e) return;
    olmo_status s = olmo_reset(e);
    if (s != OLMO_OK) throw_status(env, "reset", s);
}

JNIEXPORT jint JNICALL CLS(vocabSize)(JNIEnv *env, jclass cls, jlong h) {
    (void)cls;
    olmo_engine *e = handle(env, h);
    if (!e) return 0;
    olmo_config c;
    olmo_status s = olmo_get_config(e, &c);
    if (s != OLMO_OK) {
        throw_status(env, "vocabSize", s);
        return 0;
    }
    return c.vocab_size;
}

JNIEXPORT jint JNICALL CLS(maxSeqLen)(JNIEnv *env, jclass cls, jlong h) {
    (void)cls;
    olmo_engine *e = handle(env, h);
    return e ? olmo_max_seq_len(e) : 0;
}

JNIEXPORT jint JNICALL CLS(backend)(JNIEnv *env, jclass cls, jlong h) {
    (void)cls;
    olmo_engine *e = handle(env, h);
    return e ? olmo_get_backend(e) : 0;
}

JNIEXPORT jstring JNICALL CLS(describe)(JNIEnv *env, jclass cls, jlong h) {
    (void)cls;
    olmo_engine *e = handle(env, h);
    if (!e) return NULL;
    return (*env)->NewStringUTF(env, olmo_backend_description(e));
}

JNIEXPORT jintArray JNICALL CLS(cudaCodeInfo)(JNIEnv *env, jclass cls, jint device) {
    (void)cls;
    int32_t v[3];
    olmo_status s = olmo_cuda_code_info(device, &v[0], &v[1], &v[2]);
    if (s != OLMO_OK) {
        throw_status(env, "cuda code info", s);
        return NULL;
    }
    jintArray out = (*env)->NewIntArray(env, 3);
    if (out) (*env)->SetIntArrayRegion(env, out, 0, 3, (const jint *)v);
    return out;
}

JNIEXPORT void JNICALL CLS(free)(JNIEnv *env, jclass cls, jlong h) {
    (void)env;
    (void)cls;
    olmo_engine_free((olmo_engine *)(intptr_t)h);
}

JNIEXPORT jint JNICALL CLS(slots)(JNIEnv *env, jclass cls, jlong h) {
    (void)cls;
    olmo_engine *e = handle(env, h);
    return e ? olmo_num_slots(e) : 0;
}

JNIEXPORT jint JNICALL CLS(maxBatch)(JNIEnv *env, jclass cls, jlong h) {
    (void)cls;
    olmo_engine *e = handle(env, h);
    return e ? olmo_max_batch(e) : 0;
}

JNIEXPORT jint JNICALL CLS(slotPosition)(JNIEnv *env, jclass cls, jlong h, jint slot) {
    (void)cls;
    olmo_engine *e = handle(env, h);
    if (!e) return -1;
    int32_t p = olmo_slot_position(e, slot);
    if (p < 0) {
        char msg[128];
        snprintf(msg, sizeof msg, "slot %d is outside [0, %d)", (int)slot, (int)olmo_num_slots(e));
        jclass c = (*env)->FindClass(env, "dev/orchestrate/engine/custom/NativeEngineException");
        if (!c) {
            (*env)->ExceptionClear(env);
            c = (*env)->FindClass(env, "java/lang/IllegalStateException");
        }
        if (c) (*env)->ThrowNew(env, c, msg);
    }
    return p;
}

JNIEXPORT jint JNICALL CLS(slotPrefill)(JNIEnv *env, jclass cls, jlong h, jint slot, jintArray ids, jint offset,
                                        jint n) {
    (void)cls;
    olmo_engine *e = handle(env, h);
    if (!e) return -1;
    jsize len = (*env)->GetArrayLength(env, ids);
    if (offset < 0 || n < 0 || offset > len || n > len - offset) {
        throw_status(env, "slotPrefill (offset/n outside the array)", OLMO_ERR_INVALID_ARGUMENT);
        return -1;
    }
    jint *p = (*env)->GetIntArrayElements(env, ids, NULL);
    if (!p) return -1;
    int32_t next = -1;
    olmo_status s = olmo_slot_prefill(e, slot, (const int32_t *)p + offset, n, &next);
    (*env)->ReleaseIntArrayElements(env, ids, p, JNI_ABORT);
    if (s != OLMO_OK) throw_status(env, "slotPrefill", s);
    return next;
}

/* Up to OLMO_JNI_STACK_ROWS rows the arrays are copied into stack buffers (no allocation, the GC
 * is never blocked for a decode step); larger steps fall back to Get/ReleaseIntArrayElements. */
#define OLMO_JNI_STACK_ROWS 256
JNIEXPORT void JNICALL CLS(batchDecode)(JNIEnv *env, jclass cls, jlong h, jint n, jintArray slots, jintArray tokens,
                                        jintArray next) {
    (void)cls;
    olmo_engine *e = handle(env, h);
    if (!e) return;
    if (n < 1 || n > (*env)->GetArrayLength(env, slots) || n > (*env)->GetArrayLength(env, tokens) ||
        n > (*env)->GetArrayLength(env, next)) {
        throw_status(env, "batchDecode (n < 1 or larger than an array)", OLMO_ERR_INVALID_ARGUMENT);
        return;
    }
    int32_t sbuf[OLMO_JNI_STACK_ROWS], tbuf[OLMO_JNI_STACK_ROWS], nbuf[OLMO_JNI_STACK_ROWS];
    if (n <= OLMO_JNI_STACK_ROWS) {
        (*env)->GetIntArrayRegion(env, slots, 0, n, (jint *)sbuf);
        (*env)->GetIntArrayRegion(env, tokens, 0, n, (jint *)tbuf);
        olmo_status s = olmo_batch_decode(e, n, sbuf, tbuf, nbuf);
        if (s != OLMO_OK) {
            throw_status(env, "batchDecode", s);
            return;
        }
        (*env)->SetIntArrayRegion(env, next, 0, n, (const jint *)nbuf);
        return;
    }
    jint *ps = (*env)->GetIntArrayElements(env, slots, NULL);
    jint *pt = ps ? (*env)->GetIntArrayElements(env, tokens, NULL) : NULL;
    jint *pn = pt ? (*env)->GetIntArrayElements(env, next, NULL) : NULL;
    olmo_status s = OLMO_ERR_OUT_OF_MEMORY;
    if (pn) s = olmo_batch_decode(e, n, (const int32_t *)ps, (const int32_t *)pt, (int32_t *)pn);
    if (pn) (*env)->ReleaseIntArrayElements(env, next, pn, s == OLMO_OK ? 0 : JNI_ABORT);
    if (pt) (*env)->ReleaseIntArrayElements(env, tokens, pt, JNI_ABORT);
    if (ps) (*env)->ReleaseIntArrayElements(env, slots, ps, JNI_ABORT);
    if (s != OLMO_OK && !(*env)->ExceptionCheck(env)) throw_status(env, "batchDecode", s);
}

JNIEXPORT void JNICALL CLS(slotLogits)(JNIEnv *env, jclass cls, jlong h, jint slot, jfloatArray out) {
    (void)cls;
    olmo_engine *e = handle(env, h);
    if (!e) return;
    jsize n = (*env)->GetArrayLength(env, out);
    jfloat *p = (*env)->GetPrimitiveArrayCritical(env, out, NULL);
    if (!p) return;
    olmo_status s = olmo_slot_logits(e, slot, p, n);
    (*env)->ReleasePrimitiveArrayCritical(env, out, p, s == OLMO_OK ? 0 : JNI_ABORT);
    if (s != OLMO_OK) throw_status(env, "slotLogits", s);
}

JNIEXPORT void JNICALL CLS(slotRelease)(JNIEnv *env, jclass cls, jlong h, jint slot) {
    (void)cls;
    olmo_engine *e = handle(env, h);
    if (!e) return;
    olmo_status s = olmo_slot_release(e, slot);
    if (s != OLMO_OK) throw_status(env, "slotRelease", s);
}

JNIEXPORT void JNICALL CLS(batchPrefill)(JNIEnv *env, jclass cls, jlong h, jint n, jintArray slots, jintArray lens,
                                         jintArray ids, jintArray next) {
    (void)cls;
    olmo_engine *e = handle(env, h);
    if (!e) return;
    if (n < 1 || n > (*env)->GetArrayLength(env, slots) || n > (*env)->GetArrayLength(env, lens) ||
        n > (*env)->GetArrayLength(env, next)) {
        throw_status(env, "batchPrefill (n < 1 or larger than an array)", OLMO_ERR_INVALID_ARGUMENT);
        return;
    }
    jint *pl = (*env)->GetIntArrayElements(env, lens, NULL);
    if (!pl) return;
    long total = 0;
    for (jint i = 0; i < n; ++i) total += pl[i] > 0 ? pl[i] : 0;
    if (total > (*env)->GetArrayLength(env, ids)) {
        (*env)->ReleaseIntArrayElements(env, lens, pl, JNI_ABORT);
        throw_status(env, "batchPrefill (lens add up to more than ids holds)", OLMO_ERR_INVALID_ARGUMENT);
        return;
    }
    jint *ps = (*env)->GetIntArrayElements(env, slots, NULL);
    jint *pi = ps ? (*env)->GetIntArrayElements(env, ids, NULL) : NULL;
    jint *pn = pi ? (*env)->GetIntArrayElements(env, next, NULL) : NULL;
    olmo_status s = OLMO_ERR_OUT_OF_MEMORY;
    if (pn)
        s = olmo_batch_prefill(e, n, (const int32_t *)ps, (const int32_t *)pl, (const int32_t *)pi, (int32_t *)pn);
    if (pn) (*env)->ReleaseIntArrayElements(env, next, pn, s == OLMO_OK ? 0 : JNI_ABORT);
    if (pi) (*env)->ReleaseIntArrayElements(env, ids, pi, JNI_ABORT);
    if (ps) (*env)->ReleaseIntArrayElements(env, slots, ps, JNI_ABORT);
    (*env)->ReleaseIntArrayElements(env, lens, pl, JNI_ABORT);
    if (s != OLMO_OK && !(*env)->ExceptionCheck(env)) throw_status(env, "batchPrefill", s);
}
