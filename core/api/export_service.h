// The export RPCs (proto/plaudit/v1/exports.proto): each streams one dataset a batch at a time,
// read from the store page by page after the cursor of the batch before, so the server's memory
// stays flat however large the export. The caller's reach narrows every export (an agent's own
// rows, a manager's teams'); a cursor names its dataset and filter, so it resumes only the export
// it came from.
#ifndef PLAUDIT_CORE_API_EXPORT_SERVICE_H_
#define PLAUDIT_CORE_API_EXPORT_SERVICE_H_

#include <string>

#include "core/api/access_gate.h"
#include "core/store/audit_trail.h"
#include "core/store/store.h"
#include "plaudit/v1/exports.grpc.pb.h"

namespace plaudit::api {

namespace v1 = ::plaudit::v1;

// Decimal text of an amount in `currency`'s minor units ("25.00", "1500" for JPY, "1.250" for
// KWD); the shortest exact text when there is no currency (points, hours, items).
std::string DecimalAmount(double amount, const std::string& currency);

class ExportServiceImpl final : public v1::ExportService::Service {
 public:
  // `store`, `trail` and `gate` must outlive the service.
  ExportServiceImpl(Store* store, AuditTrail* trail, AccessGate* gate)
      : store_(store), trail_(trail), gate_(gate) {}

  grpc::Status ExportEvents(grpc::ServerContext*, const v1::ExportRequest*,
                            grpc::ServerWriter<v1::ExportEventsBatch>*) override;
  grpc::Status ExportAgents(grpc::ServerContext*, const v1::ExportRequest*,
                            grpc::ServerWriter<v1::ExportAgentsBatch>*) override;
  grpc::Status ExportStandings(grpc::ServerContext*, const v1::ExportRequest*,
                               grpc::ServerWriter<v1::ExportStandingsBatch>*) override;
  grpc::Status ExportAwards(grpc::ServerContext*, const v1::ExportRequest*,
                            grpc::ServerWriter<v1::ExportAwardsBatch>*) override;
  grpc::Status ExportFulfilments(grpc::ServerContext*, const v1::ExportRequest*,
                                 grpc::ServerWriter<v1::ExportFulfilmentsBatch>*) override;
  grpc::Status ExportBudgetLedger(grpc::ServerContext*, const v1::ExportRequest*,
                                  grpc::ServerWriter<v1::ExportBudgetLedgerBatch>*) override;
  grpc::Status ExportPraise(grpc::ServerContext*, const v1::ExportRequest*,
                            grpc::ServerWriter<v1::ExportPraiseBatch>*) override;
  grpc::Status ExportAudit(grpc::ServerContext*, const v1::ExportRequest*,
                           grpc::ServerWriter<v1::ExportAuditBatch>*) override;

 private:
  Store* store_;
  AuditTrail* trail_;
  AccessGate* gate_;
};

}  // namespace plaudit::api

#endif  // PLAUDIT_CORE_API_EXPORT_SERVICE_H_
