#include "unit/store/pg_server.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

namespace hearth::store::test {

namespace fs = std::filesystem;

namespace {

// The newest Debian PostgreSQL whose server binaries are installed.
std::string find_bin_dir() {
  std::string best;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const auto dir = e.path() / "bin";
    if (fs::exists(dir / "postgres") && fs::exists(dir / "initdb") && dir.string() > best) best = dir.string();
  }
  return best;
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("pg_server: no free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

// The uid and gid to run PostgreSQL as: `postgres` when we are root, else ourselves.
std::pair<uid_t, gid_t> server_user() {
  if (::geteuid() != 0) return {::geteuid(), ::getegid()};
  const passwd* pw = ::getpwnam("postgres");
  if (pw == nullptr)
    throw std::runtime_error("pg_server: running as root and there is no `postgres` user (apt-get install postgresql)");
  return {pw->pw_uid, pw->pw_gid};
}

// Forks and execs `argv` as the server user, stdout and stderr to `log`; returns the child's PID.
pid_t spawn(const std::vector<std::string>& argv, const std::string& log) {
  const auto [uid, gid] = server_user();
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("pg_server: fork failed");
  if (pid == 0) {
    ::setsid();  // a Ctrl-C of the test run reaches the test, which stops the server itself
    if (::setgid(gid) != 0 || ::setuid(uid) != 0) ::_exit(126);
    FILE* out = std::fopen(log.c_str(), "a");
    if (out) {
      ::dup2(::fileno(out), 1);
      ::dup2(::fileno(out), 2);
    }
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string tail_of(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return "";
  std::string text;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  std::fclose(f);
  return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

// Stops the server when the test program ends.
class StopAtExit : public ::testing::Environment {
 public:
  void TearDown() override { pg_server().shutdown(); }
};

[[maybe_unused]] const auto* const registered = ::testing::AddGlobalTestEnvironment(new StopAtExit);

}  // namespace

PgServer& pg_server() {
  static PgServer server;
  return server;
}

void PgServer::shutdown() {
  stop();
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
  dir_.clear();
}

std::string PgServer::bin(const std::string& tool) const { return bin_dir_ + "/" + tool; }

void PgServer::init() {
  bin_dir_ = find_bin_dir();
  if (bin_dir_.empty())
    throw std::runtime_error(
        "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: install Debian's postgresql package "
        "(scripts/deps.sh test)");
  std::string pattern = (fs::temp_directory_path() / "hearth-pg-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("pg_server: mkdtemp failed");
  dir_ = pattern;
  const auto [uid, gid] = server_user();
  if (::chown(dir_.c_str(), uid, gid) != 0) throw std::runtime_error("pg_server: cannot chown " + dir_);
  const std::string log = dir_ + "/initdb.log";
  const pid_t pid = spawn(
      {bin("initdb"), "-D", dir_ + "/data", "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"},
      log);
  if (wait_exit(pid) != 0) throw std::runtime_error("pg_server: initdb failed:\n" + tail_of(log));
  port_ = free_port();
}

void PgServer::start() {
  if (running()) return;
  if (dir_.empty()) init();
  const std::string log = dir_ + "/postgres.log";
  pid_ = spawn({bin("postgres"), "-D", dir_ + "/data", "-p", std::to_string(port_), "-k", dir_, "-c",
                "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c",
                "full_page_writes=off", "-c", "max_connections=200", "-c", "shared_buffers=32MB"},
               log);
  const std::string conninfo = url("postgres");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (PQping(conninfo.c_str()) != PQPING_OK) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("pg_server: postgres exited:\n" + tail_of(log));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      stop();
      throw std::runtime_error("pg_server: postgres did not accept connections within 30 s:\n" + tail_of(log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void PgServer::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGINT);  // fast shutdown: disconnects clients, aborts their transactions
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        wait_exit(pid_);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    pid_ = -1;
  }
}

std::string PgServer::url(const std::string& name) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + name;
}

std::string PgServer::create_database() {
  start();
  std::string name = "t";  // appended piece by piece: GCC 12's -Wrestrict false positive (GCC bug 105329)
  name += std::to_string(++databases_);
  pg_query(url("postgres"), "CREATE DATABASE " + name + " TEMPLATE template0");
  return url(name);
}

std::string pg_query(const std::string& url, const std::string& sql) {
  const std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(url.c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    ADD_FAILURE() << "pg_query: cannot connect: " << PQerrorMessage(conn.get());
    return "";
  }
  const std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn.get(), sql.c_str()), &PQclear);
  const auto status = PQresultStatus(r.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    ADD_FAILURE() << "pg_query: " << sql << ": " << PQresultErrorMessage(r.get());
    return "";
  }
  if (PQntuples(r.get()) == 0 || PQnfields(r.get()) == 0) return "";
  return PQgetisnull(r.get(), 0, 0) ? "NULL" : PQgetvalue(r.get(), 0, 0);
}

}  // namespace hearth::store::test
