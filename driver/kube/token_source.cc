#include "driver/kube/token_source.h"

#include <glog/logging.h>
#include <sys/stat.h>

#include <cctype>
#include <fstream>
#include <sstream>

namespace dracpu::kube {

TokenSource::TokenSource(std::string token, std::string token_file, std::chrono::seconds max_age)
    : static_token_(std::move(token)), file_(std::move(token_file)), max_age_(max_age) {}

void TokenSource::Invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  invalid_ = true;
}

int TokenSource::reads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reads_;
}

Status TokenSource::ReadLocked() {
  struct stat st;
  if (stat(file_.c_str(), &st) != 0) return Status::NotFound("token file " + file_ + " missing");
  std::ifstream in(file_, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return Status::IOError("cannot read token file " + file_);
  std::string token = text.str();
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) {
    token.pop_back();
  }
  if (token.empty()) return Status::InvalidArgument("token file " + file_ + " is empty");
  token_ = std::move(token);
  have_token_ = true;
  invalid_ = false;
  ino_ = st.st_ino;
  size_ = st.st_size;
  mtime_ = st.st_mtim;
  read_at_ = std::chrono::steady_clock::now();
  ++reads_;
  return Status::OK();
}

StatusOr<std::string> TokenSource::Token() {
  if (file_.empty()) return static_token_;
  std::lock_guard<std::mutex> lock(mu_);
  bool stale = invalid_ || !have_token_ || std::chrono::steady_clock::now() - read_at_ >= max_age_;
  if (!stale) {
    struct stat st;
    stale = stat(file_.c_str(), &st) != 0 || st.st_ino != ino_ || st.st_size != size_ ||
            st.st_mtim.tv_sec != mtime_.tv_sec || st.st_mtim.tv_nsec != mtime_.tv_nsec;
  }
  if (stale) {
    Status s = ReadLocked();
    if (!s.ok()) {
      if (!have_token_) return s;
      LOG(WARNING) << "keeping the previous API token: " << s;
    }
  }
  return token_;
}

}  // namespace dracpu::kube
