package dev.orchestrate.vast.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/** A Docker-style port mapping; Vast sends {@code HostPort} as a string. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PortBinding(
    @JsonProperty("HostIp") String hostIp, @JsonProperty("HostPort") String hostPort) {

  /** The host port as a number, or -1 when it is missing or not a number. */
  public int port() {
    try {
      return hostPort == null ? -1 : Integer.parseInt(hostPort.strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
