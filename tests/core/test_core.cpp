#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "sim/core/atomic_file.hpp"
#include "sim/core/csv.hpp"
#include "sim/core/json.hpp"
#include "sim/core/rng.hpp"
#include "sim/core/sha256.hpp"
#include "sim/core/text.hpp"
#include "tests/scratch.hpp"

using namespace flemsim::core;

namespace {
std::filesystem::path temp_file(const std::string& name, const std::string& text) {
    const auto dir = flemsim::test::scratch("core");
    std::filesystem::create_directories(dir);
    const auto p = dir / name;
    std::ofstream(p) << text;
    return p;
}
}  // namespace

TEST_CASE("counter-based random streams") {
    SUBCASE("same key, same numbers; another key, other numbers") {
        Rng a(1, Stream::mode_choice, 7, 0), b(1, Stream::mode_choice, 7, 0), c(1, Stream::mode_choice, 8, 0);
        const auto x = a.next_u64();
        CHECK(x == b.next_u64());
        CHECK(x != c.next_u64());
        CHECK(Rng(2, Stream::mode_choice, 7, 0).next_u64() != x);
        CHECK(Rng(1, Stream::day_plan, 7, 0).next_u64() != x);
        CHECK(Rng(1, Stream::mode_choice, 7, 1).next_u64() != x);
    }
    SUBCASE("uniform mean and variance within 4 standard errors (n = 200,000)") {
        Rng r(99, Stream::mode_choice, 0);
        const int n = 200000;
        double sum = 0, sum2 = 0;
        for (int i = 0; i < n; ++i) {
            const double u = r.uniform();
            REQUIRE(u >= 0.0);
            REQUIRE(u < 1.0);
            sum += u;
            sum2 += u * u;
        }
        const double mean = sum / n, var = sum2 / n - mean * mean;
        CHECK(std::abs(mean - 0.5) < 4 * std::sqrt(1.0 / 12 / n));
        CHECK(std::abs(var - 1.0 / 12) < 0.002);
    }
    SUBCASE("normal has mean 0 and sd 1") {
        Rng r(5, Stream::day_plan, 1);
        const int n = 200000;
        double sum = 0, sum2 = 0;
        for (int i = 0; i < n; ++i) {
            const double z = r.normal();
            sum += z;
            sum2 += z * z;
        }
        CHECK(std::abs(sum / n) < 4 / std::sqrt(double(n)));
        CHECK(std::abs(sum2 / n - 1.0) < 0.02);
    }
    SUBCASE("below(n) covers 0..n-1 evenly") {
        Rng r(3, Stream::activity_node, 2);
        int counts[5] = {};
        for (int i = 0; i < 50000; ++i) ++counts[r.below(5)];
        for (int c : counts) CHECK(std::abs(c - 10000) < 400);
    }
}

TEST_CASE("text helpers") {
    CHECK(edit_distance("headway_s", "headway_s") == 0);
    CHECK(edit_distance("headwya_s", "headway_s") == 1);  // a swap
    CHECK(edit_distance("kitten", "sitting") == 3);
    CHECK(did_you_mean("speed_mp", {"speed_mps", "max_trip_m"}) == "did you mean 'speed_mps'?");
    CHECK(did_you_mean("zzzzzz", {"speed_mps", "max_trip_m"}).empty());
    CHECK(parse_clock("06:30") == 6 * 3600 + 30 * 60);
    CHECK(parse_clock("25:00:10") == 25 * 3600 + 10);
    CHECK_THROWS_AS(parse_clock("6h30"), ParseError);
    CHECK_THROWS_AS(parse_clock("06:61:00"), ParseError);
    CHECK(format_clock(90061) == "25:01:01");
    CHECK(format_duration(41.6) == "42 s");
    CHECK(format_duration(59.4) == "59 s");
    CHECK(format_duration(185) == "3 min 05 s");
    CHECK(format_duration(3599.6) == "1 h 00 min");
    CHECK(format_duration(7620) == "2 h 07 min");
    CHECK(format_duration(-3) == "0 s");
    CHECK(parse_double(" 2.5 ") == 2.5);
    CHECK_THROWS_AS(parse_double("2,5"), ParseError);
    CHECK_THROWS_AS(parse_int("1.5"), ParseError);
}

TEST_CASE("CSV reader reports file, line, column and column name") {
    const auto p = temp_file("t.csv", "# comment\nid,length_m\n\na,10\nb,-3\nc,x\n");
    CsvReader r(p, {"id", "length_m"});
    REQUIRE(r.next());
    CHECK(r.text(0) == "a");
    CHECK(r.positive(1) == 10);
    REQUIRE(r.next());
    try {
        r.positive(1);
        FAIL("expected an error");
    } catch (const InputError& e) {
        CHECK(e.pos().line == 5);
        CHECK(e.pos().column == 3);
        CHECK(std::string(e.what()).find("length_m: must be > 0, got -3") != std::string::npos);
    }
    REQUIRE(r.next());
    CHECK_THROWS_WITH_AS(r.number(1), doctest::Contains("t.csv:6:3: length_m: expected a number, got 'x'"), InputError);
    CHECK_FALSE(r.next());

    SUBCASE("unknown column with a suggestion, missing column") {
        const auto q = temp_file("u.csv", "id,lenght_m\n");
        CHECK_THROWS_WITH_AS(CsvReader(q, {"id", "length_m"}),
                             doctest::Contains("u.csv:1:4: unknown column 'lenght_m' (did you mean 'length_m'?)"),
                             InputError);
        const auto m = temp_file("m.csv", "id\n");
        CHECK_THROWS_WITH_AS(CsvReader(m, {"id", "length_m"}), doctest::Contains("missing column 'length_m'"),
                             InputError);
    }
    SUBCASE("wrong field count") {
        const auto q = temp_file("f.csv", "id,length_m\na,1,2\n");
        CsvReader rr(q, {"id", "length_m"});
        CHECK_THROWS_WITH_AS(rr.next(), doctest::Contains("f.csv:2:1: expected 2 fields, found 3"), InputError);
    }
    SUBCASE("missing file") {
        CHECK_THROWS_WITH_AS(CsvReader("/nonexistent/x.csv", {"id"}),
                             doctest::Contains("/nonexistent/x.csv: cannot open file"), InputError);
    }
}

TEST_CASE("SHA-256 known answers (FIPS 180-4 examples)") {
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const std::string million(1000000, 'a');
    CHECK(sha256_hex(million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("JSON writer") {
    JsonWriter w;
    w.begin_object()
        .key("name")
        .value("a \"b\"\n")
        .key("n")
        .value(3)
        .key("x")
        .value(0.25)
        .key("list")
        .begin_array()
        .value(true)
        .null()
        .end_array()
        .end_object();
    JsonWriter big;
    big.value(18446744073709551615ULL);  // a seed above 2^63 stays positive
    CHECK(big.str() == "18446744073709551615");
    CHECK(
        w.str() ==
        "{\n  \"name\": \"a \\\"b\\\"\\n\",\n  \"n\": 3,\n  \"x\": 0.25,\n  \"list\": [\n    true,\n    null\n  ]\n}");
}

TEST_CASE("atomic files leave either the complete file or nothing") {
    const auto dir = flemsim::test::scratch("atomic");
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const auto p = dir / "out.json";
    write_file_atomically(p, "{}");
    std::ifstream in(p);
    std::string s((std::istreambuf_iterator<char>(in)), {});
    CHECK(s == "{}");
    CHECK_FALSE(std::filesystem::exists(temporary_path_for(p)));
    CHECK_THROWS_AS(write_file_atomically(dir / "missing" / "x.json", "{}"), IoError);
    CHECK(std::distance(std::filesystem::directory_iterator(dir), {}) == 1);
}
