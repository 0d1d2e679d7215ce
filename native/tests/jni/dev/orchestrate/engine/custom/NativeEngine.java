package dev.orchestrate.engine.custom;

/**
 * JNI smoke test of native/jni/olmo_jni.c. A stand-in with the same native signatures as the
 * engine module's NativeEngine; compiled and run by ctest only (never packaged).
 * Usage: java -cp DIR dev.orchestrate.engine.custom.NativeEngine LIBJNI SNAPSHOT DEVICE
 */
final class NativeEngine {
    static native long create(String snapshotDir, int backend, int device, int maxSeqLen, int slots);
    static native int slots(long handle);
    static native int maxBatch(long handle);
    static native int slotPosition(long handle, int slot);
    static native int slotPrefill(long handle, int slot, int[] ids, int offset, int n);
    static native void batchDecode(long handle, int n, int[] slots, int[] tokens, int[] next);
    static native void slotLogits(long handle, int slot, float[] out);
    static native void slotRelease(long handle, int slot);
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
            create("/nonexistent", 1, 0, 0, 1);
            throw new AssertionError("create of a missing snapshot did not throw");
        } catch (IllegalStateException expected) {
            System.out.println("missing snapshot: " + expected.getMessage());
        }
        int device = Integer.parseInt(args[2]);
        long h = create(args[1], device < 0 ? 1 : 2, Math.max(device, 0), 64, 3);
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
            // batched: slot 2 gets the same prompt in two chunks, slot 1 another prompt; one step
            // for both must give slot 2 the tokens slot 0 got alone
            if (slots(h) != 3 || maxBatch(h) != 3) throw new AssertionError("slots " + slots(h));
            int first = prefill(h, prompt, prompt.length);
            int a = slotPrefill(h, 2, prompt, 0, 3);
            a = slotPrefill(h, 2, prompt, 3, prompt.length - 3);
            int b = slotPrefill(h, 1, new int[] {4, 4, 4}, 0, 3);
            if (a != first || slotPosition(h, 2) != prompt.length) throw new AssertionError("chunked slot prefill");
            int[] sl = {2, 1}, tok = {a, b}, nx = new int[2];
            StringBuilder batched = new StringBuilder();
            for (int i = 0; i < 16; i++) {
                batchDecode(h, 2, sl, tok, nx);
                batched.append(nx[0]).append(' ');
                tok[0] = nx[0];
                tok[1] = nx[1];
            }
            if (!batched.toString().equals(sb.toString()))
                throw new AssertionError("batched " + batched + " != alone " + sb);
            slotLogits(h, 1, l);
            try {
                batchDecode(h, 2, new int[] {1, 1}, tok, nx);
                throw new AssertionError("a slot listed twice was accepted");
            } catch (IllegalStateException expected) {
                System.out.println("slot twice: " + expected.getMessage());
            }
            slotRelease(h, 2);
            if (slotPosition(h, 2) != 0) throw new AssertionError("release");
            System.out.println("jni smoke test passed");
        } finally {
            free(h);
        }
    }
}
