// The gRPC face of the audit trail: listing records and verifying the chain. Appending is not
// an RPC: the API layer appends through AuditTrail itself.
#ifndef PLAUDIT_CORE_API_AUDIT_SERVICE_H_
#define PLAUDIT_CORE_API_AUDIT_SERVICE_H_

#include "core/api/access_gate.h"
#include "core/store/audit_trail.h"
#include "plaudit/v1/audit.grpc.pb.h"

namespace plaudit::api {

class AuditServiceImpl final : public v1::AuditService::Service {
 public:
  // `trail` must outlive the service.
  AuditServiceImpl(AuditTrail* trail, AccessGate* gate) : trail_(trail), gate_(gate) {}
  grpc::Status ListAuditRecords(grpc::ServerContext*, const v1::ListAuditRecordsRequest*,
                                v1::ListAuditRecordsResponse*) override;
  grpc::Status VerifyAudit(grpc::ServerContext*, const v1::VerifyAuditRequest*,
                           v1::AuditVerdict*) override;

 private:
  AuditTrail* trail_;
  AccessGate* gate_;
};

}  // namespace plaudit::api

#endif  // PLAUDIT_CORE_API_AUDIT_SERVICE_H_
