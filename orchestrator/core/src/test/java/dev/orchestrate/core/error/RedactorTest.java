package dev.orchestrate.core.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

class RedactorTest {
  @Test
  void masksRegisteredSecretsAndTokenShapes() {
    Redactor r = new Redactor();
    r.register("s3cr3t-key-value");
    String out =
        r.redact("key s3cr3t-key-value; Authorization: Bearer abcdef123456; url?api_key=zzzz9999");
    assertFalse(out.contains("s3cr3t"), out);
    assertFalse(out.contains("abcdef123456"), out);
    assertFalse(out.contains("zzzz9999"), out);
  }

  @Test
  void leavesOrdinaryTextAlone() {
    assertEquals("nothing secret here", new Redactor().redact("nothing secret here"));
  }

  @Test
  void aKeyNameThatEndsInTokenIsNotAnAssignment() {
    String problem =
        "profiles/mine.yaml:4: engine.maxNewToken: unknown key 'maxNewToken'; did you mean"
            + " 'maxNewTokens'? (allowed: backend, command)";
    assertEquals(problem, new Redactor().redact(problem));
    String out =
        new Redactor()
            .redact(
                "{\"access_token\": \"abcdefgh1\", \"password\":\"hunter22\"} x-token: qwerty12"
                    + " ?token=tttt5555");
    assertFalse(out.contains("abcdefgh1"), out);
    assertFalse(out.contains("hunter22"), out);
    assertFalse(out.contains("qwerty12"), out);
    assertFalse(out.contains("tttt5555"), out);
  }
}
