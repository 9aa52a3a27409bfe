// hearth-bench: see options.cpp (--help) and bench/README in BENCHMARKS.md.
#include <iostream>

#include "hearth_bench/options.hpp"
#include "hearth_bench/report.hpp"
#include "hearth_bench/run.hpp"

int main(int argc, char** argv) {
  using namespace hearth::bench;
  const Options options = parse_options(argc, argv);
  try {
    Run run(options);
    boost::json::object measured;
    switch (options.scenario) {
      case Scenario::relay:
        measured = run_relay(run);
        break;
      case Scenario::setup:
        measured = run_setup(run);
        break;
      case Scenario::idle:
        measured = run_idle(run);
        break;
      case Scenario::rest:
        measured = run_rest(run);
        break;
    }
    const auto report = finish_report(options, std::move(measured), run.errors());
    if (options.json)
      std::cout << to_json_text(report) << std::endl;
    else
      std::cout << summary_line(report) << std::endl;
    return run.errors().total() == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "hearth-bench: " << e.what() << std::endl;
    return 2;
  }
}
