package dev.orchestrate.core.pyenv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class LockTest {
  private static final Pattern REQUIREMENT =
      Pattern.compile("([a-z0-9-]+)==([0-9][0-9a-z.]*) \\\\\\n    --hash=sha256:([0-9a-f]{64})\\n");

  @Test
  void theShippedHfLockPinsEveryPackageWithAHashAndLeavesTorchToTheIndex() {
    Lock lock = Lock.hf();
    List<String> names = new ArrayList<>();
    Matcher m = REQUIREMENT.matcher(lock.text());
    while (m.find()) {
      names.add(m.group(1));
    }
    String requirements =
        String.join(
            "\n", lock.text().lines().filter(l -> !l.startsWith("#") && !l.isBlank()).toList());
    assertEquals(
        names.size() * 2, requirements.lines().count(), "every requirement is pinned + hashed");
    assertTrue(
        names.containsAll(List.of("transformers", "tokenizers", "safetensors", "huggingface-hub")),
        names.toString());
    assertFalse(names.contains("torch"), "torch comes from the driver's index, not the lock");
    assertEquals(names.size(), names.stream().distinct().count());
  }

  @Test
  void theShaFollowsTheContent() {
    assertEquals(new Lock("a", "x==1\n").sha256(), new Lock("b", "x==1\n").sha256());
    assertNotEquals(new Lock("a", "x==1\n").sha256(), new Lock("a", "x==2\n").sha256());
  }
}
