// The whole of plauditd in one object: opens the store under the data directory, loads the
// plugins, starts the fulfilment engine and the metric-source poller, and serves the gRPC API
// (with health checking and reflection). Tests start one in-process on port 0.
#ifndef PLAUDIT_CORE_API_SERVER_H_
#define PLAUDIT_CORE_API_SERVER_H_

#include <grpcpp/server.h>

#include <memory>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/api/access_gate.h"
#include "core/api/access_service.h"
#include "core/api/audit_service.h"
#include "core/api/correction_service.h"
#include "core/api/export_service.h"
#include "core/api/praise_service.h"
#include "core/api/reflection_service.h"
#include "core/api/report_service.h"
#include "core/api/services.h"
#include "core/config/server_config.h"
#include "core/domain/clock.h"
#include "core/domain/telemetry.h"

namespace plaudit::api {

class PlauditServer {
 public:
  // Starts serving. UNAVAILABLE when the address cannot be bound or the data directory is in
  // use by another plauditd; FAILED_PRECONDITION when the tls files are missing or do not match,
  // or when a non-loopback address is to be served without tls (see MakeServerCredentials).
  static absl::StatusOr<std::unique_ptr<PlauditServer>> Start(const ServerConfig& config,
                                                              Clock* clock);
  ~PlauditServer();

  // The bound port (useful with port 0).
  int port() const { return port_; }
  // Stops taking calls, lets running calls finish (up to `grace`), stops the workers.
  void Shutdown(absl::Duration grace = absl::Seconds(10));

  // A channel to this server's services within the process: calls on it pass the same access
  // gate, policy table and audit trail as calls over the network.
  std::shared_ptr<grpc::Channel> InProcessChannel();
  // Whether no auth is configured: every caller is trusted and may claim a name.
  bool development_mode() const;

  Store* store() { return store_.get(); }
  // plauditd's measurements, for the metrics listener.
  const Telemetry& telemetry() const { return telemetry_; }
  // OK when calls can be taken: not draining or stopping, the store reachable and its schema
  // current (the metrics listener's /readyz).
  absl::Status Ready();
  // From now on Ready() says plauditd is shutting down, so that load balancers send no more
  // calls; calls keep being served until Shutdown().
  void Drain();
  PluginHost* plugins() { return plugins_.get(); }
  FulfilmentEngine* engine() { return engine_.get(); }
  // Where the API layer appends audit records.
  AuditTrail* audit() { return audit_.get(); }

 private:
  PlauditServer() = default;
  // Polls the metric sources every source_poll_interval, and closes due periods every
  // close_check_interval.
  void PollSources();

  ServerConfig config_;
  Clock* clock_ = nullptr;
  // Before every part that counts into it.
  Telemetry telemetry_;
  int lock_fd_ = -1;
  int port_ = 0;
  std::unique_ptr<Store> store_;
  std::unique_ptr<AuditTrail> audit_;
  std::unique_ptr<EventIngestor> ingestor_;
  std::unique_ptr<PluginHost> plugins_;
  std::unique_ptr<AwardDecider> decider_;
  std::unique_ptr<PeriodCloser> closer_;
  std::unique_ptr<FulfilmentEngine> engine_;
  std::unique_ptr<AccessGate> gate_;
  std::unique_ptr<AccessServiceImpl> access_;
  std::unique_ptr<ReflectionServiceImpl> reflection_;
  std::unique_ptr<AgentServiceImpl> agents_;
  std::unique_ptr<MetricServiceImpl> metrics_;
  std::unique_ptr<ProgramServiceImpl> programs_;
  std::unique_ptr<AwardServiceImpl> awards_;
  std::unique_ptr<FulfilmentServiceImpl> fulfilments_;
  std::unique_ptr<PluginServiceImpl> plugin_service_;
  std::unique_ptr<PraiseLedger> praise_ledger_;
  std::unique_ptr<PraiseServiceImpl> praise_;
  std::unique_ptr<CorrectionServiceImpl> corrections_;
  std::unique_ptr<AuditServiceImpl> audit_service_;
  std::unique_ptr<ExportServiceImpl> exports_;
  std::unique_ptr<ReportServiceImpl> reports_;
  // Polled by poll_thread_ for as long as the server runs; see Start(). Declared before server_,
  // which must go first.
  std::unique_ptr<grpc::ServerCompletionQueue> poll_cq_;
  std::thread poll_thread_;
  std::unique_ptr<grpc::Server> server_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  std::thread poller_;
};

}  // namespace plaudit::api

#endif  // PLAUDIT_CORE_API_SERVER_H_
