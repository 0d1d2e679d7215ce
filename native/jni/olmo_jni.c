/*
 * JNI glue for dev.orchestrate.engine.custom.NativeEngine (package-private static natives):
 *   static native long  create(String snapshotDir, int backend, int device, int maxSeqLen);
 *                       // backend: olmo_backend (0 auto, 1 CPU, 2 CUDA); maxSeqLen 0 = default
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
                                    jint max_seq_len) {
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
