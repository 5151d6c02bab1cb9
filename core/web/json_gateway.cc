#include "core/web/json_gateway.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/client_context.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/api/access_gate.h"

namespace plaudit::web {
namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::Message;
using google::protobuf::MessageFactory;
using google::protobuf::MethodDescriptor;

constexpr absl::string_view kServedPackage = "plaudit.v1.";

GatewayReply Refusal(grpc::StatusCode code, const std::string& message) {
  // gRPC's codes are Abseil's, number for number.
  const std::string name = absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  return GatewayReply{HttpStatusOf(static_cast<int>(code)), ErrorJson(name, message)};
}

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

}  // namespace

int HttpStatusOf(int grpc_code) {
  switch (static_cast<grpc::StatusCode>(grpc_code)) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::UNIMPLEMENTED:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::FAILED_PRECONDITION:
      return 409;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    default:
      return 500;
  }
}

std::string ErrorJson(const std::string& code, const std::string& message) {
  nlohmann::json body = {{"error", {{"code", code}, {"message", message}}}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

JsonGateway::JsonGateway(std::shared_ptr<grpc::Channel> channel, bool development_mode,
                         absl::Duration deadline)
    : channel_(std::move(channel)), development_mode_(development_mode), deadline_(deadline) {}

GatewayReply JsonGateway::Call(const std::string& service, const std::string& method,
                               const std::string& json, const WebCredentials& credentials) const {
  const std::string full_name = absl::StrCat(service, ".", method);
  const MethodDescriptor* descriptor =
      absl::StartsWith(service, kServedPackage)
          ? DescriptorPool::generated_pool()->FindMethodByName(full_name)
          : nullptr;
  if (descriptor == nullptr) {
    return Refusal(grpc::StatusCode::NOT_FOUND,
                   absl::StrCat("no method ", service, "/", method,
                                " (the API serves the unary methods of the plaudit.v1 services)"));
  }
  if (descriptor->client_streaming() || descriptor->server_streaming()) {
    return Refusal(
        grpc::StatusCode::UNIMPLEMENTED,
        absl::StrCat(service, "/", method,
                     " streams; over HTTP only the unary methods are served (use gRPC)"));
  }
  MessageFactory* factory = MessageFactory::generated_factory();
  std::unique_ptr<Message> request(factory->GetPrototype(descriptor->input_type())->New());
  if (!json.empty()) {
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;
    auto parsed = google::protobuf::util::JsonStringToMessage(json, request.get(), options);
    if (!parsed.ok()) {
      return Refusal(grpc::StatusCode::INVALID_ARGUMENT,
                     absl::StrCat("request body: not a ", descriptor->input_type()->full_name(),
                                  " in JSON: ", std::string(parsed.message())));
    }
  }
  const std::string request_bytes = request->SerializeAsString();
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request_buffer(&slice, 1);

  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  if (!credentials.authorization.empty()) {
    context.AddMetadata("authorization", credentials.authorization);
  }
  if (development_mode_ && !credentials.actor.empty()) {
    context.AddMetadata(api::kActorMetadata, credentials.actor);
  }
  // One completion queue per call, waited on here: the calling thread does the polling, as a
  // blocking stub's call would.
  grpc::CompletionQueue queue;
  grpc::GenericStub stub(channel_);
  grpc::ByteBuffer response_buffer;
  grpc::Status status;
  auto call = stub.PrepareUnaryCall(&context, absl::StrCat("/", service, "/", method),
                                    request_buffer, &queue);
  call->StartCall();
  call->Finish(&response_buffer, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  queue.Next(&tag, &ok);
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  if (!status.ok()) return Refusal(status.error_code(), status.error_message());

  std::unique_ptr<Message> response(factory->GetPrototype(descriptor->output_type())->New());
  if (!response->ParseFromString(Flatten(response_buffer))) {
    return Refusal(grpc::StatusCode::INTERNAL,
                   absl::StrCat("the response of ", service, "/", method, " does not parse"));
  }
  google::protobuf::util::JsonPrintOptions print;
  print.always_print_primitive_fields = true;
  print.preserve_proto_field_names = true;
  GatewayReply reply;
  auto printed = google::protobuf::util::MessageToJsonString(*response, &reply.json, print);
  if (!printed.ok()) {
    return Refusal(grpc::StatusCode::INTERNAL,
                   absl::StrCat("the response of ", service, "/", method,
                                " cannot be written as JSON: ", std::string(printed.message())));
  }
  return reply;
}

}  // namespace plaudit::web
