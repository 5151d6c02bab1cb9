#include "core/api/reflection_service.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <set>

#include "core/api/status.h"

namespace plaudit::api {
namespace {

namespace pb = ::grpc::reflection::v1alpha;
using google::protobuf::DescriptorPool;
using google::protobuf::FileDescriptor;

void SetError(pb::ServerReflectionResponse* response, grpc::StatusCode code,
              const std::string& message) {
  response->mutable_error_response()->set_error_code(static_cast<int32_t>(code));
  response->mutable_error_response()->set_error_message(message);
}

// `file` and the files it imports that this stream has not sent yet, dependencies first.
void AddFile(const FileDescriptor* file, std::set<std::string>* sent,
             pb::FileDescriptorResponse* out) {
  if (!sent->insert(file->name()).second) return;
  for (int i = 0; i < file->dependency_count(); ++i) AddFile(file->dependency(i), sent, out);
  google::protobuf::FileDescriptorProto proto;
  file->CopyTo(&proto);
  out->add_file_descriptor_proto(proto.SerializeAsString());
}

}  // namespace

grpc::Status ReflectionServiceImpl::ServerReflectionInfo(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<pb::ServerReflectionResponse, pb::ServerReflectionRequest>* stream) {
  // Anyone authenticated may look; the calls themselves are each checked.
  if (auto caller = gate_->Authenticate(*context); !caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  const DescriptorPool* pool = DescriptorPool::generated_pool();
  std::set<std::string> sent;
  pb::ServerReflectionRequest request;
  while (stream->Read(&request)) {
    pb::ServerReflectionResponse response;
    response.set_valid_host(request.host());
    *response.mutable_original_request() = request;
    switch (request.message_request_case()) {
      case pb::ServerReflectionRequest::kListServices:
        for (const std::string& name : services_) {
          response.mutable_list_services_response()->add_service()->set_name(name);
        }
        break;
      case pb::ServerReflectionRequest::kFileByFilename: {
        const FileDescriptor* file = pool->FindFileByName(request.file_by_filename());
        if (file == nullptr) {
          SetError(&response, grpc::StatusCode::NOT_FOUND, "no file " + request.file_by_filename());
        } else {
          AddFile(file, &sent, response.mutable_file_descriptor_response());
        }
        break;
      }
      case pb::ServerReflectionRequest::kFileContainingSymbol: {
        const FileDescriptor* file =
            pool->FindFileContainingSymbol(request.file_containing_symbol());
        if (file == nullptr) {
          SetError(&response, grpc::StatusCode::NOT_FOUND,
                   "no symbol " + request.file_containing_symbol());
        } else {
          AddFile(file, &sent, response.mutable_file_descriptor_response());
        }
        break;
      }
      case pb::ServerReflectionRequest::kFileContainingExtension: {
        const auto* type =
            pool->FindMessageTypeByName(request.file_containing_extension().containing_type());
        const auto* extension =
            type == nullptr ? nullptr
                            : pool->FindExtensionByNumber(
                                  type, request.file_containing_extension().extension_number());
        if (extension == nullptr) {
          SetError(&response, grpc::StatusCode::NOT_FOUND, "no such extension");
        } else {
          AddFile(extension->file(), &sent, response.mutable_file_descriptor_response());
        }
        break;
      }
      case pb::ServerReflectionRequest::kAllExtensionNumbersOfType: {
        const auto* type = pool->FindMessageTypeByName(request.all_extension_numbers_of_type());
        if (type == nullptr) {
          SetError(&response, grpc::StatusCode::NOT_FOUND,
                   "no type " + request.all_extension_numbers_of_type());
        } else {
          std::vector<const google::protobuf::FieldDescriptor*> extensions;
          pool->FindAllExtensions(type, &extensions);
          auto* out = response.mutable_all_extension_numbers_response();
          out->set_base_type_name(type->full_name());
          for (const auto* extension : extensions) out->add_extension_number(extension->number());
        }
        break;
      }
      case pb::ServerReflectionRequest::MESSAGE_REQUEST_NOT_SET:
        SetError(&response, grpc::StatusCode::INVALID_ARGUMENT, "the request asks nothing");
        break;
    }
    if (!stream->Write(response)) break;
  }
  return grpc::Status::OK;
}

}  // namespace plaudit::api
