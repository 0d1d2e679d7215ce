package dev.orchestrate.vastsim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orchestrate.testkit.OpenSsh;
import dev.orchestrate.testkit.Sshd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Simulated instances are real, isolated SSH hosts: env and onstart run; destroy stops them. */
@Tag("integration")
class SshdInstanceTest {
  @TempDir Path dir;
  private SimServer sim;
  private SimHttp http;
  private Path key;

  @BeforeEach
  void start() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/sbin/sshd")), "needs OpenSSH's sshd");
    sim =
        SimServer.start(
            SimServer.Options.defaults()
                .withHosts(SimServer.HostMode.SSHD)
                .withWorkDir(dir.resolve("sim")));
    http = new SimHttp(sim.baseUrl());
    key = dir.resolve("id_ed25519");
    Sshd.generateKey(key, "sim-test");
    String pub = Files.readString(Path.of(key + ".pub")).strip();
    http.json("POST", "/api/v0/ssh/", "{\"ssh_key\": \"" + pub + "\"}");
  }

  @AfterEach
  void stop() {
    if (sim != null) {
      sim.close();
    }
  }

  private JsonNode awaitRunning(long id) throws Exception {
    for (int i = 0; i < 200; i++) {
      JsonNode inst = http.json("GET", "/api/v0/instances/" + id + "/", null).get("instances");
      if ("running".equals(inst.path("actual_status").asText())) {
        return inst;
      }
      Thread.sleep(25);
    }
    throw new AssertionError("instance " + id + " never ran");
  }

  /** Alive and not a zombie (a sandbox's PID 1 may never reap what we killed). */
  private static boolean running(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state != 'Z' && state != 'X';
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private String ssh(int port, String command) throws Exception {
    OpenSsh.Result r = OpenSsh.to(port, key).run(user(), command, Duration.ofSeconds(20));
    assertEquals(0, r.exitCode(), r.output());
    return r.output();
  }

  private static String user() {
    return System.getProperty("user.name") + "@127.0.0.1";
  }

  @Test
  void anNvidiaCudaImageHasNoJavaButEverythingElse() throws Exception {
    assumeTrue(
        new ProcessBuilder("sh", "-c", "command -v java").start().waitFor() == 0,
        "this machine has java to hide");
    String create = "{\"image\":\"%s\",\"disk\":10,\"label\":\"java\",\"runtype\":\"ssh_direct\"}";
    long cuda =
        http.json(
                "PUT",
                "/api/v0/asks/24511873/",
                String.format(create, "nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04"))
            .get("new_contract")
            .asLong();
    long ubuntu =
        http.json("PUT", "/api/v0/asks/24511885/", String.format(create, "ubuntu:22.04"))
            .get("new_contract")
            .asLong();
    int cudaPort = awaitRunning(cuda).path("ssh_port").asInt();
    int ubuntuPort = awaitRunning(ubuntu).path("ssh_port").asInt();
    String probe =
        "command -v java || echo no-java; command -v tar sh nvidia-smi >/dev/null && echo tools";
    assertEquals("no-java\ntools", ssh(cudaPort, probe).strip());
    assertTrue(ssh(ubuntuPort, probe).strip().endsWith("java\ntools"));
  }

  @Test
  void envAndOnstartRunAndDestroyKillsEverythingIncludingDetachedProcesses() throws Exception {
    String create =
        "{\"image\":\"ubuntu:22.04\",\"disk\":10,\"label\":\"real\",\"runtype\":\"ssh_direct\","
            + "\"env\":{\"GREETING\":\"hello world\",\"-p 8000:8000\":\"1\"},"
            + "\"onstart\":\"echo onstart $GREETING > onstart.out; sleep 600 & echo $! > onstart.pid\"}";
    long a = http.json("PUT", "/api/v0/asks/24511873/", create).get("new_contract").asLong();
    long b =
        http.json("PUT", "/api/v0/asks/24511885/", create.replace("real", "other"))
            .get("new_contract")
            .asLong();
    JsonNode inst = awaitRunning(a);
    int port = Integer.parseInt(inst.get("ports").get("22/tcp").get(0).get("HostPort").asText());
    int portB = awaitRunning(b).get("ssh_port").asInt();

    String out =
        ssh(
            port,
            "echo env=$GREETING id=$CONTAINER_ID; pwd; sleep 0.3; cat onstart.out; nohup sleep 600 >/dev/null 2>&1 & echo $! > detached.pid");
    assertTrue(out.contains("env=hello world id=" + a), out);
    assertTrue(out.contains("onstart hello world"), out);
    String home = out.lines().filter(l -> l.startsWith("/")).findFirst().orElseThrow();
    String homeB = ssh(portB, "pwd").strip();
    assertFalse(home.equals(homeB), "each instance has its own home");
    long detached = Long.parseLong(Files.readString(Path.of(home, "detached.pid")).strip());
    long onstart = Long.parseLong(Files.readString(Path.of(home, "onstart.pid")).strip());
    assertTrue(running(detached));

    String url =
        http.json("PUT", "/api/v0/instances/request_logs/" + a + "/", "{}")
            .get("result_url")
            .asText();
    assertTrue(
        http.raw(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build())
                .statusCode()
            == 200);

    http.json("DELETE", "/api/v0/instances/" + a + "/", "{}");
    Thread.sleep(200);
    assertFalse(running(detached), "detached process killed");
    assertFalse(running(onstart), "onstart process killed");
    OpenSsh.Result refused =
        OpenSsh.to(port, key)
            .option("ConnectTimeout=3")
            .option("LogLevel=QUIET")
            .run(user(), "true", Duration.ofSeconds(10));
    assertTrue(refused.exitCode() != 0, "sshd stopped");
    assertEquals(List.of(b), sim.billing().billingIds());
    assertTrue(ssh(portB, "echo still-up").contains("still-up"), "the other instance is untouched");
  }

  @Test
  void attachingAKeyLetsItIn() throws Exception {
    long id =
        http.json("PUT", "/api/v0/asks/24511873/", "{\"image\":\"i\",\"label\":\"k\"}")
            .get("new_contract")
            .asLong();
    int port = awaitRunning(id).get("ssh_port").asInt();
    Path other = dir.resolve("other_key");
    Sshd.generateKey(other, "other");
    String pub = Files.readString(Path.of(other + ".pub")).strip();
    http.json("POST", "/api/v0/instances/" + id + "/ssh/", "{\"ssh_key\": \"" + pub + "\"}");
    OpenSsh.Result in = OpenSsh.to(port, other).run(user(), "echo in", Duration.ofSeconds(20));
    assertEquals("in", in.output().strip());
    String keys =
        http.json("GET", "/api/v0/instances/" + id + "/ssh/", null).get("ssh_keys").asText();
    assertEquals(2, http.parse(keys).size(), "ssh_keys is a JSON string of an array");
  }
}
