package dev.aeserve.cli;

import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.client.AeserveClient;
import dev.aeserve.client.AeserveException;
import dev.aeserve.proto.v1.VersionInfo;
import io.grpc.Status;

/**
 * Registers a trained model as a new version through a server, creating the model on first use.
 * The trainer's calibration goes with it, so Reconstruct flags anomalies from the first call.
 */
final class Registration {

  private Registration() {}

  static VersionInfo register(AeserveClient client, String name, String description, TrainedModel trained) {
    try {
      client.createModel(name, trained.spec().family().id(), description);
    } catch (AeserveException e) {
      if (e.code() != Status.Code.ALREADY_EXISTS) {
        throw e;
      }
    }
    String calibration = trained.calibration() == null ? null : trained.calibration().toJson();
    return client.uploadVersion(name, trained.spec().toJson(), trained.metrics().toJson(), calibration,
        trained.weights());
  }
}
