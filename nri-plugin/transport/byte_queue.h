// A FIFO of bytes for incremental parsers: append at the back, look at and consume from the
// front. Consumed bytes are reclaimed lazily so a parser that reads message by message copies
// each byte about once.

#ifndef DRACPU_NRI_PLUGIN_TRANSPORT_BYTE_QUEUE_H_
#define DRACPU_NRI_PLUGIN_TRANSPORT_BYTE_QUEUE_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace dracpu::ttrpc {

class ByteQueue {
 public:
  // Invalidates views returned by Peek().
  void Append(std::string_view bytes) {
    if (offset_ == buffer_.size()) {
      buffer_.clear();
      offset_ = 0;
    } else if (offset_ > 4096 && offset_ * 2 > buffer_.size()) {
      buffer_.erase(0, offset_);
      offset_ = 0;
    }
    buffer_.append(bytes);
  }
  // The unconsumed bytes; valid until the next Append().
  std::string_view Peek() const { return std::string_view(buffer_).substr(offset_); }
  // REQUIRES: n <= size().
  void Consume(size_t n) { offset_ += n; }
  size_t size() const { return buffer_.size() - offset_; }

 private:
  std::string buffer_;
  size_t offset_ = 0;
};

}  // namespace dracpu::ttrpc

#endif  // DRACPU_NRI_PLUGIN_TRANSPORT_BYTE_QUEUE_H_
