package dev.orchestrate.core.profile;

/** Which PyTorch wheel index to install from; {@link #AUTO} follows the detected CUDA version. */
public enum TorchIndex {
  AUTO,
  CPU,
  CU118,
  CU121,
  CU124,
  CU126,
  CU128;

  /** The index URL for this flavour; {@link #AUTO} must be resolved first. */
  public String url() {
    if (this == AUTO) {
      throw new IllegalStateException("resolve 'auto' against the host's CUDA version first");
    }
    return "https://download.pytorch.org/whl/" + YamlEnum.spell(this);
  }
}
