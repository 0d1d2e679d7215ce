package dev.orchestrate.core.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.error.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code target.kubernetes}: defaults, and every bad value reported at once with its line. */
class KubernetesSectionTest {
  private static final ClassLoader NOTHING_SHIPPED = new ClassLoader(null) {};

  @TempDir Path dir;

  private ProfileLoader loader() {
    return new ProfileLoader(
        new ProfileCatalog(NOTHING_SHIPPED, List.of(new ProfileCatalog.Folder(dir, "p"))),
        Map.of());
  }

  private void write(String name, String yaml) throws IOException {
    Files.writeString(dir.resolve(name + ".yaml"), yaml);
  }

  private List<String> problems(String name) {
    ProfileException e = assertThrows(ProfileException.class, () -> loader().load(name));
    assertEquals(ErrorCode.PROFILE, e.code());
    return e.problems().stream().map(ProfileProblem::toString).toList();
  }

  private static void assertHas(List<String> problems, String expected) {
    assertTrue(
        problems.stream().anyMatch(p -> p.contains(expected)),
        () -> "expected a problem containing <" + expected + "> in " + problems);
  }

  @Test
  void defaultsFillWhatIsLeftOut() throws IOException {
    write("k", "target:\n  type: kubernetes\n  kubernetes:\n    image: reg.example/e:cuda\n");
    KubernetesSection k = loader().load("k").profile().target().kubernetes();
    assertEquals(1, k.gpus());
    assertEquals(1, k.parallelism());
    assertEquals(1, k.completions());
    assertEquals(3, k.backoffLimit());
    assertTrue(k.model().fromHub());
    assertEquals(Map.of(), k.nodeSelector());
    assertEquals(null, k.namespace());
  }

  @Test
  void everySettingBinds() throws IOException {
    write(
        "k",
        """
        target:
          type: kubernetes
          kubernetes:
            context: gpu
            namespace: ml-batch
            image: reg.example/e:cuda
            gpus: 2
            nodeSelector: {nvidia.com/gpu.product: A100}
            tolerations:
              - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
            runtimeClassName: nvidia
            parallelism: 2
            completions: 4
            backoffLimit: 0
            model: {pvc: olmo-cache, path: olmo_2}
        """);
    KubernetesSection k = loader().load("k").profile().target().kubernetes();
    assertEquals("gpu", k.context());
    assertEquals(2, k.gpus());
    assertEquals(Map.of("nvidia.com/gpu.product", "A100"), k.nodeSelector());
    assertEquals(
        List.of(new KubernetesSection.Toleration("nvidia.com/gpu", "Exists", null, "NoSchedule")),
        k.tolerations());
    assertEquals(4, k.completions());
    assertEquals("olmo-cache", k.model().pvc());
    assertEquals("olmo_2", k.model().path());
  }

  @Test
  void theImageIsRequired() throws IOException {
    write("k", "target:\n  type: kubernetes\n");
    assertHas(problems("k"), "target.kubernetes.image: required for the kubernetes target");
  }

  @Test
  void badValuesAreReportedWithTheirLines() throws IOException {
    write(
        "k",
        """
        target:
          type: kubernetes
          kubernetes:
            image: reg.example/e:cuda
            namespace: ML_Batch
            gpus: 17
            tolerations:
              - {key: k, operator: Maybe}
            parallelism: 4
            completions: 2
            model: {pvc: Not_A_Name}
        """);
    List<String> problems = problems("k");
    assertHas(problems, "target.kubernetes.tolerations[0].operator: must be Exists or Equal");
    assertHas(problems, "target.kubernetes.model.pvc: must be a PersistentVolumeClaim name");
  }

  @Test
  void aNamespaceMustBeADnsLabel() throws IOException {
    write(
        "k", "target:\n  type: kubernetes\n  kubernetes:\n    image: i\n    namespace: ML_Batch\n");
    assertHas(problems("k"), "p/k.yaml:5: target.kubernetes.namespace: must be a namespace name");
  }

  @Test
  void completionsBelowParallelismAndTooManyGpusAreRefused() throws IOException {
    write(
        "k",
        "target:\n  type: kubernetes\n  kubernetes:\n    image: i\n    parallelism: 4\n"
            + "    completions: 2\n");
    assertHas(problems("k"), "completions: must be at least parallelism (4)");
    write("g", "target:\n  type: kubernetes\n  kubernetes:\n    image: i\n    gpus: 17\n");
    assertHas(problems("g"), "gpus: must be between 0 and 16");
  }

  @Test
  void aTolerationWithExistsTakesNoValue() throws IOException {
    write(
        "k",
        "target:\n  type: kubernetes\n  kubernetes:\n    image: i\n    tolerations:\n"
            + "      - {key: a, operator: Exists, value: b}\n");
    assertHas(problems("k"), "value: must be left out with operator Exists");
  }
}
