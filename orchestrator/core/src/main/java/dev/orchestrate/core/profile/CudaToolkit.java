package dev.orchestrate.core.profile;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The CUDA toolkit a profile wants: {@code auto} (match the driver; 12.8 when it cannot be read),
 * {@code none} (the image or host has what it needs, or no GPU), or an explicit version like {@code
 * 12.4}.
 */
public record CudaToolkit(String value) {
  private static final Pattern VERSION = Pattern.compile("\\d{2}\\.\\d{1,2}");

  public static final CudaToolkit AUTO = new CudaToolkit("auto");
  public static final CudaToolkit NONE = new CudaToolkit("none");

  public CudaToolkit {
    if (value == null
        || !(value.equals("auto") || value.equals("none") || VERSION.matcher(value).matches())) {
      throw new IllegalArgumentException(
          "expected auto, none or a version like 12.8, got '" + value + "'");
    }
  }

  /** Used by the profile binder for scalar values. */
  public static CudaToolkit parse(String text) {
    return new CudaToolkit(text.trim());
  }

  public boolean isAuto() {
    return value.equals("auto");
  }

  public boolean isNone() {
    return value.equals("none");
  }

  public Optional<String> version() {
    return isAuto() || isNone() ? Optional.empty() : Optional.of(value);
  }

  @JsonValue
  @Override
  public String toString() {
    return value;
  }
}
