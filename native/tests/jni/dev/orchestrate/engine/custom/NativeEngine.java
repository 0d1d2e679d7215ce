package dev.orchestrate.engine.custom;

/**
 * JNI smoke test of native/jni/olmo_jni.c. A stand-in with the same native signatures as the
 * engine module's NativeEngine; compiled and run by ctest only (never packaged).
 * Usage: java -cp DIR dev.orchestrate.engine.custom.NativeEngine LIBJNI SNAPSHOT DEVICE
 */
final class NativeEngine {
    static native long create(String snapshotDir, int backend, int device, int maxSeqLen);
    static native int prefill(long handle, int[] ids, int n);
    static native int decode(long handle, int token);
    static native void logits(long handle, float[] out);
    static native void reset(long handle);
    static native int vocabSize(long handle);
    static native int maxSeqLen(long handle);
    static native int backend(long handle);
    static native String describe(long handle);
    static native void free(long handle);

    public static void main(String[] args) {
        System.load(args[0]);
        try {
            create("/nonexistent", 1, 0, 0);
            throw new AssertionError("create of a missing snapshot did not throw");
        } catch (IllegalStateException expected) {
            System.out.println("missing snapshot: " + expected.getMessage());
        }
        int device = Integer.parseInt(args[2]);
        long h = create(args[1], device < 0 ? 1 : 2, Math.max(device, 0), 64);
        try {
            System.out.println("backend: " + describe(h) + " (olmo_backend " + backend(h) + ")");
            if (maxSeqLen(h) != 64) throw new AssertionError("maxSeqLen " + maxSeqLen(h) + " != 64");
            int vocab = vocabSize(h);
            int[] prompt = {1, 5, 9, 200, 13, 77, 3, 999};
            int next = prefill(h, prompt, prompt.length);
            float[] l = new float[vocab];
            java.util.Arrays.fill(l, Float.NaN);
            logits(h, l);
            int best = 0;
            for (int i = 1; i < vocab; i++) if (l[i] > l[best]) best = i;
            if (best != next) throw new AssertionError("prefill token " + next + " != argmax " + best);
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 16; i++) {
                next = decode(h, next);
                sb.append(next).append(' ');
            }
            int again = prefill(h, prompt, prompt.length);
            if (again != best) throw new AssertionError("prefill after decode did not start a fresh sequence");
            try {
                decode(h, vocab);
                throw new AssertionError("bad token accepted");
            } catch (IllegalStateException expected) {
                System.out.println("bad token: " + expected.getMessage());
            }
            reset(h);
            try {
                logits(h, l);
                throw new AssertionError("logits after reset did not throw");
            } catch (IllegalStateException expected) {
                System.out.println("after reset: " + expected.getMessage());
            }
            System.out.println("generated: " + sb.toString().trim());
            System.out.println("jni smoke test passed");
        } finally {
            free(h);
        }
    }
}
