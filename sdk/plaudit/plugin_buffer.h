// The buffers that carry serialized messages across the plugin boundary, for both sides: each side
// fills buffers with FillBuffer() and hands out ReleaseBuffer() as its release function.
#ifndef PLAUDIT_SDK_PLUGIN_BUFFER_H_
#define PLAUDIT_SDK_PLUGIN_BUFFER_H_

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "plaudit/plugin_abi.h"

namespace plaudit::sdk {

// Copies bytes into a malloc'd buffer; on allocation failure the buffer is left empty.
inline void FillBuffer(const std::string& bytes, PlauditBuffer* out) {
  const size_t size = bytes.size();
  out->data = nullptr;
  out->size = 0;
  if (size > static_cast<size_t>(PTRDIFF_MAX)) return;
  out->data = static_cast<uint8_t*>(std::malloc(size == 0 ? 1 : size));
  out->size = out->data == nullptr ? 0 : size;
  if (out->size > 0) std::memcpy(out->data, bytes.data(), out->size);
}

inline void ReleaseBuffer(PlauditBuffer* buffer) {
  if (buffer == nullptr) return;
  std::free(buffer->data);
  buffer->data = nullptr;
  buffer->size = 0;
}

}  // namespace plaudit::sdk

#endif  // PLAUDIT_SDK_PLUGIN_BUFFER_H_
