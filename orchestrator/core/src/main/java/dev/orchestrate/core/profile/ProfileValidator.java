package dev.orchestrate.core.profile;

import java.util.ArrayList;
import java.util.List;

/**
 * Checks that need more than one key: the section of the chosen target type must carry what that
 * target cannot work without, and a remote target keeps its folders inside the project. Runs after
 * binding, over a fully built {@link Profile}.
 */
final class ProfileValidator {

  /** Problems as (path, message) pairs; the loader adds file and line. */
  List<String[]> validate(Profile p) {
    List<String[]> out = new ArrayList<>();
    TargetSection t = p.target();
    switch (t.type()) {
      case VAST -> {
        if (t.vast() == null) {
          out.add(
              new String[] {
                "target.vast", "the vast target needs a 'vast' section with maxPricePerHour"
              });
        } else if (t.vast().maxPricePerHour() == null) {
          out.add(
              new String[] {
                "target.vast.maxPricePerHour",
                "required for the vast target: we never rent without a price ceiling"
              });
        }
      }
      case SSH -> {
        if (t.ssh() == null || t.ssh().host() == null || t.ssh().host().isBlank()) {
          out.add(new String[] {"target.ssh.host", "required for the ssh target"});
        }
      }
      case DOCKER -> {
        if (t.docker() == null || t.docker().image() == null || t.docker().image().isBlank()) {
          out.add(new String[] {"target.docker.image", "required for the docker target"});
        }
      }
      case KUBERNETES -> {
        if (t.kubernetes() == null
            || t.kubernetes().image() == null
            || t.kubernetes().image().isBlank()) {
          out.add(
              new String[] {
                "target.kubernetes.image",
                "required for the kubernetes target: the engine image `orchestrate build` made,"
                    + " pushed to a registry the cluster pulls from"
              });
        }
        if (p.engine().resumeFrom() != null) {
          out.add(
              new String[] {
                "engine.resumeFrom", "the kubernetes target runs the whole prompt file (no resume)"
              });
        }
      }
      case LOCAL -> {
        // nothing beyond the defaults
      }
    }
    if (t.type() == TargetType.SSH || t.type() == TargetType.VAST) {
      confined("assets.dir", p.assets().dir(), out);
      if (p.engine().snapshot() != null) {
        confined("engine.snapshot", p.engine().snapshot(), out);
      }
    }
    if (p.assets().fetch().equals(AssetsSection.FETCH_TARGET) && t.type() != TargetType.VAST) {
      out.add(
          new String[] {
            "assets.fetch",
            "target is for the vast target (the machine pulls from the Hub); the "
                + YamlEnum.spell(t.type())
                + " target pulls on this host: use local or leave it unset"
          });
    }
    if (p.engine().backend() == EngineBackend.HF && p.bootstrap().pythonEnv().isBlank()) {
      out.add(new String[] {"bootstrap.pythonEnv", "the hf backend needs a python env"});
    }
    return out;
  }

  /**
   * On a remote target the folder is also where the files land on the machine ({@code
   * ~/orchestrate/<dir>}), so it must be a relative path that stays inside the project: {@code
   * ../x} would write outside the work folder there.
   */
  private static void confined(String key, String dir, List<String[]> out) {
    String hint =
        " for a remote target: it is also the folder on the machine under ~/orchestrate; keep"
            + " the files in the project (a link to them there is fine, e.g. ln -s /data/olmo"
            + " llm_raw/olmo_2)";
    if (dir.startsWith("/") || dir.startsWith("~")) {
      out.add(new String[] {key, "'" + dir + "' is absolute" + hint});
      return;
    }
    int depth = 0;
    for (String part : dir.split("/")) {
      depth += part.equals("..") ? -1 : part.isEmpty() || part.equals(".") ? 0 : 1;
      if (depth < 0) {
        out.add(new String[] {key, "'" + dir + "' leaves the project folder" + hint});
        return;
      }
    }
  }
}
