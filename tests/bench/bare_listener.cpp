// The baseline of the cached /dashboard benchmark: cpprestsdk's http_listener alone, answering
// every request with one constant JSON body.
//
//   bench_bare_listener PORT BODY_BYTES [THREADS]
//
// Listens on http://127.0.0.1:PORT/ and replies 200 with BODY_BYTES bytes of JSON (the size of
// the API's cached dashboard answer, measured by api_bench.sh) and the headers the API sends
// with a cached answer (ETag, Cache-Control, X-Cache, Vary), so the two differ only in what
// the API does per request: routing, authentication, parameter checks and the cache lookup.
// THREADS (default 16, the API's HTTP_THREADS default) sizes the same pplx thread pool the API
// uses. Runs until SIGTERM or SIGINT. Exit status 2 for bad arguments, 1 if it cannot listen.
#include <cpprest/http_listener.h>
#include <pplx/threadpool.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

int ParsePositive(const char* text) {
  char* end = nullptr;
  long v = std::strtol(text, &end, 10);
  return (end == text || *end != '\0' || v <= 0 || v > 100'000'000) ? -1 : static_cast<int>(v);
}

// A syntactically valid JSON object of exactly `bytes` bytes (at least 12).
std::string ConstantBody(int bytes) {
  std::string body = R"({"data":")";
  const size_t tail = 2;  // "}
  while (body.size() + tail < static_cast<size_t>(bytes)) body += 'x';
  body += "\"}";
  return body;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::fprintf(stderr, "usage: bench_bare_listener PORT BODY_BYTES [THREADS]\n");
    return 2;
  }
  const int port = ParsePositive(argv[1]);
  const int bytes = ParsePositive(argv[2]);
  const int threads = argc == 4 ? ParsePositive(argv[3]) : 16;
  if (port < 1 || port > 65535 || bytes < 12 || threads < 1) {
    std::fprintf(stderr, "bench_bare_listener: bad arguments\n");
    return 2;
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  crossplat::threadpool::initialize_with_threads(static_cast<size_t>(threads));
  const std::string body = ConstantBody(bytes);
  using web::http::http_request;
  using web::http::http_response;
  web::http::experimental::listener::http_listener_config config;
  config.set_timeout(std::chrono::seconds(30));
  web::http::experimental::listener::http_listener listener(
      "http://127.0.0.1:" + std::to_string(port) + "/", config);
  listener.support([&body](http_request request) {
    http_response response(web::http::status_codes::OK);
    response.headers().add("ETag", "\"0123456789abcdef0123456789abcdef\"");
    response.headers().add("Cache-Control", "private, max-age=900");
    response.headers().add("X-Cache", "hit");
    response.headers().add("Vary", "Authorization, X-Tenant");
    response.set_body(body, "application/json; charset=utf-8");
    request.reply(response).then([](pplx::task<void> t) {
      try {
        t.get();
      } catch (const std::exception&) {
        // The client went away; nothing to do.
      }
    });
  });
  try {
    listener.open().wait();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_bare_listener: cannot listen on port %d: %s\n", port, e.what());
    return 1;
  }
  std::fprintf(stderr, "bench_bare_listener: listening on 127.0.0.1:%d, %d-byte body\n", port,
               bytes);
  int sig = 0;
  sigwait(&signals, &sig);
  listener.close().wait();
  return 0;
}
