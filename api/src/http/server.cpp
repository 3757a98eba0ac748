#include "http/server.h"

#include <cpprest/http_listener.h>
#include <pplx/threadpool.h>

#include <algorithm>
#include <cctype>

#include "vecton/log.h"

namespace vecton::api {

using web::http::http_request;
using web::http::http_response;
using web::http::experimental::listener::http_listener;
using web::http::experimental::listener::http_listener_config;

struct Server::Impl {
  std::string url;
  Handler& handler;
  std::unique_ptr<http_listener> listener;

  void Serve(http_request request) {
    HttpRequest req;
    req.method = request.method();
    const web::uri& uri = request.request_uri();
    req.path = uri.path();
    req.query = uri.query();
    for (const auto& [name, value] : request.headers()) {
      std::string lower = name;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      req.headers.emplace_back(std::move(lower), value);
    }
    if (request.headers().has(web::http::header_names::content_length)) {
      req.content_length = static_cast<int64_t>(request.headers().content_length());
    }
    // Only POST carries a body (custom report definitions); one larger than the limit is not
    // read, the handler answers 413 from its length.
    if (req.method == "POST" && req.content_length <= kMaxBodyBytes) {
      std::vector<unsigned char> body = request.extract_vector().get();
      req.body.assign(body.begin(), body.end());
      if (static_cast<int64_t>(req.body.size()) > kMaxBodyBytes) {
        req.content_length = static_cast<int64_t>(req.body.size());
      }
    }
    HttpResponse res = handler.Handle(req);
    http_response response(static_cast<web::http::status_code>(res.status));
    for (auto& [name, value] : res.headers) {
      if (name == "Content-Type") continue;  // set with the body
      response.headers().add(name, value);
    }
    // 304 and 204 carry no body, hence no Content-Type either.
    if (res.status != 304 && res.status != 204) {
      std::string type = "application/json; charset=utf-8";
      for (const auto& [name, value] : res.headers) {
        if (name == "Content-Type") type = value;
      }
      response.set_body(std::move(res.body), type);
    }
    request.reply(response).then([](pplx::task<void> t) {
      try {
        t.get();
      } catch (const std::exception&) {
        // The client went away; nothing to do.
      }
    });
  }
};

Server::Server(std::string host, int port, int threads, Handler& handler)
    : impl_(new Impl{"http://" + host + ":" + std::to_string(port) + "/", handler, nullptr}) {
  crossplat::threadpool::initialize_with_threads(static_cast<size_t>(threads));
}

Server::~Server() { Stop(); }

Status Server::Start() {
  try {
    http_listener_config config;
    config.set_timeout(std::chrono::seconds(30));
    impl_->listener = std::make_unique<http_listener>(impl_->url, config);
    impl_->listener->support([impl = impl_.get()](http_request request) {
      try {
        impl->Serve(std::move(request));
      } catch (const std::exception& e) {
        Log(LogLevel::kError, "request failed", {{"error", e.what()}});
        request.reply(web::http::status_codes::InternalError);
      }
    });
    impl_->listener->open().wait();
    return OkStatus();
  } catch (const std::exception& e) {
    impl_->listener.reset();
    return Error("cannot listen on " + impl_->url + ": " + e.what());
  }
}

void Server::Stop() {
  if (!impl_->listener) return;
  try {
    impl_->listener->close().wait();
  } catch (const std::exception& e) {
    Log(LogLevel::kWarn, "closing the listener failed", {{"error", e.what()}});
  }
  impl_->listener.reset();
}

}  // namespace vecton::api
