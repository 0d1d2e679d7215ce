package dev.orchestrate.vast;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.orchestrate.core.target.RunId;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LabelsTest {
  private static final RunId RUN = RunId.parse("20261206-120000-vast-3f2a");

  @Test
  void eachMachineOfAFleetHasItsOwnLabelThatStillNamesTheRun() {
    String single = Labels.of("1234abcd", RUN, 1);
    String fleet = Labels.of("1234abcd", RUN, 3, 1);
    assertEquals("orchestrate-p1234abcd-20261206-120000-vast-3f2a-a1", single);
    assertEquals("orchestrate-p1234abcd-20261206-120000-vast-3f2a-r3-a1", fleet);
    assertEquals(Optional.of(RUN), Labels.runIdOf(single));
    assertEquals(Optional.of(RUN), Labels.runIdOf(fleet));
    assertEquals(Labels.Owner.THIS_PROJECT, Labels.owner(fleet, "1234abcd"));
  }
}
