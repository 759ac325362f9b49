#include "sim/output/trip_log.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <span>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <libdeflate.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "sim/core/atomic_file.hpp"
#include "sim/core/error.hpp"
#include "sim/core/text.hpp"
#include "sim/core/types.hpp"
#include "sim/output/hdf5.hpp"

// HDF5 goes through sim/output/hdf5.hpp (see there: not concurrently with other HDF5 calls).

namespace flemsim::output {

using core::IterationRecord;
using core::LegRecord;
using core::LinkVolumeRecord;
using core::LotRecord;
using core::PersonRecord;
using core::TransitLoadRecord;
using core::TripRecord;

namespace {

using hdf5::check;
using hdf5::fail;

// ---- types ---------------------------------------------------------------------------

// An enum over `base` (a 1-byte unsigned integer type) with value i labelled names[i].
template <std::size_t N>
hdf5::Datatype enum_type(hid_t base, const std::array<std::string_view, N>& names) {
    hdf5::Datatype t(H5Tenum_create(base), "creating an enum type");
    for (std::size_t i = 0; i < N; ++i) {
        const auto value = static_cast<std::uint8_t>(i);
        const std::string label(names[i]);
        check(H5Tenum_insert(t.get(), label.c_str(), &value), "adding enum label '" + label + "'");
    }
    return t;
}

enum class Kind { u8, u16, u32, u64, i32, f32, f64, text, group, purpose, mode, activity };

constexpr std::size_t size_of(Kind k) {
    switch (k) {
        case Kind::u8:
        case Kind::group:
        case Kind::purpose:
        case Kind::mode:
        case Kind::activity:
            return 1;
        case Kind::u16:
            return 2;
        case Kind::u32:
        case Kind::i32:
        case Kind::f32:
            return 4;
        case Kind::u64:
        case Kind::f64:
            return 8;
        case Kind::text:
            return sizeof(const char*);
    }
    return 0;
}

// One column of a table: its HDF5 member name is the C++ field name.
struct Field {
    const char* name;
    std::size_t offset;
    std::size_t size;
    Kind kind;
};

#define FLEMSIM_FIELD(Row, member, kind)                                \
    Field {                                                             \
#member, offsetof(Row, member), sizeof(Row::member), Kind::kind \
    }
// A column named otherwise than its member.
#define FLEMSIM_FIELD_AS(Row, member, column, kind)                    \
    Field {                                                            \
        column, offsetof(Row, member), sizeof(Row::member), Kind::kind \
    }

constexpr std::array trip_fields = {
    FLEMSIM_FIELD(TripRecord, trip_id, u64),
    FLEMSIM_FIELD(TripRecord, person_id, u32),
    FLEMSIM_FIELD(TripRecord, trip_index, u16),
    FLEMSIM_FIELD(TripRecord, tour_index, u16),
    FLEMSIM_FIELD(TripRecord, group, group),
    FLEMSIM_FIELD(TripRecord, purpose, purpose),
    // "main_mode" since schema 6 ("mode" before: a name pandas' DataFrame.mode hides).
    FLEMSIM_FIELD_AS(TripRecord, mode, "main_mode", mode),
    FLEMSIM_FIELD(TripRecord, dest_activity, activity),
    FLEMSIM_FIELD(TripRecord, origin_zone, u32),
    FLEMSIM_FIELD(TripRecord, dest_zone, u32),
    FLEMSIM_FIELD(TripRecord, origin_node, u32),
    FLEMSIM_FIELD(TripRecord, dest_node, u32),
    FLEMSIM_FIELD(TripRecord, dep_time_s, i32),
    FLEMSIM_FIELD(TripRecord, arr_time_s, i32),
    FLEMSIM_FIELD(TripRecord, distance_m, f32),
    FLEMSIM_FIELD(TripRecord, in_vehicle_s, f32),
    FLEMSIM_FIELD(TripRecord, wait_s, f32),
    FLEMSIM_FIELD(TripRecord, access_s, f32),
    FLEMSIM_FIELD(TripRecord, egress_s, f32),
    FLEMSIM_FIELD(TripRecord, transfer_walk_s, f32),
    FLEMSIM_FIELD(TripRecord, transfers, u16),
    FLEMSIM_FIELD(TripRecord, board_stop, i32),
    FLEMSIM_FIELD(TripRecord, alight_stop, i32),
    FLEMSIM_FIELD(TripRecord, first_line, i32),
    FLEMSIM_FIELD(TripRecord, last_line, i32),
    FLEMSIM_FIELD(TripRecord, cost_sek, f32),
    FLEMSIM_FIELD(TripRecord, denied_boardings, u16),
    FLEMSIM_FIELD(TripRecord, stuck, u8),
    FLEMSIM_FIELD(TripRecord, gave_up, u8),
    FLEMSIM_FIELD(TripRecord, transit_access, u8),
};
// The fields of /trips in a version-1 file: all but the last four (denied_boardings and
// stuck, appended in schema 2, gave_up, appended in schema 3, and transit_access, appended in
// schema 4); in a version-2 file all but the last two; in a version-3 file all but the last.
constexpr std::size_t trip_field_count_v1 = trip_fields.size() - 4;
constexpr std::size_t trip_field_count_v2 = trip_fields.size() - 2;
constexpr std::size_t trip_field_count_v3 = trip_fields.size() - 1;

constexpr std::array person_fields = {
    FLEMSIM_FIELD(PersonRecord, person_id, u32),    FLEMSIM_FIELD(PersonRecord, group, group),
    FLEMSIM_FIELD(PersonRecord, car_available, u8), FLEMSIM_FIELD(PersonRecord, bike_owner, u8),
    FLEMSIM_FIELD(PersonRecord, transit_pass, u8),  FLEMSIM_FIELD(PersonRecord, home_zone, u32),
    FLEMSIM_FIELD(PersonRecord, home_node, u32),    FLEMSIM_FIELD(PersonRecord, work_zone, i32),
    FLEMSIM_FIELD(PersonRecord, study_zone, i32),   FLEMSIM_FIELD(PersonRecord, trip_count, u16),
};

constexpr std::array leg_fields = {
    FLEMSIM_FIELD(LegRecord, trip_id, u64),
    FLEMSIM_FIELD(LegRecord, person_id, u32),
    FLEMSIM_FIELD(LegRecord, leg_index, u16),
    FLEMSIM_FIELD_AS(LegRecord, mode, "leg_mode", mode),  // "mode" before schema 6
    FLEMSIM_FIELD(LegRecord, line, i32),
    FLEMSIM_FIELD(LegRecord, vehicle_trip, i32),
    FLEMSIM_FIELD(LegRecord, board_stop, i32),
    FLEMSIM_FIELD(LegRecord, alight_stop, i32),
    FLEMSIM_FIELD(LegRecord, start_s, i32),
    FLEMSIM_FIELD(LegRecord, board_s, i32),
    FLEMSIM_FIELD(LegRecord, end_s, i32),
    FLEMSIM_FIELD(LegRecord, distance_m, f32),
    FLEMSIM_FIELD(LegRecord, denied_boardings, u16),
};

constexpr std::array link_volume_fields = {
    FLEMSIM_FIELD(LinkVolumeRecord, link, u32),     FLEMSIM_FIELD(LinkVolumeRecord, direction, u8),
    FLEMSIM_FIELD(LinkVolumeRecord, hour, u16),     FLEMSIM_FIELD(LinkVolumeRecord, cars, u32),
    FLEMSIM_FIELD(LinkVolumeRecord, buses, u32),    FLEMSIM_FIELD(LinkVolumeRecord, walkers, u32),
    FLEMSIM_FIELD(LinkVolumeRecord, cyclists, u32),
};

constexpr std::array transit_load_fields = {
    FLEMSIM_FIELD(TransitLoadRecord, vehicle_trip, u32),
    FLEMSIM_FIELD(TransitLoadRecord, line, i32),
    FLEMSIM_FIELD(TransitLoadRecord, direction, u8),
    FLEMSIM_FIELD(TransitLoadRecord, segment, u16),
    FLEMSIM_FIELD(TransitLoadRecord, from_stop, i32),
    FLEMSIM_FIELD(TransitLoadRecord, to_stop, i32),
    FLEMSIM_FIELD(TransitLoadRecord, depart_s, i32),
    FLEMSIM_FIELD(TransitLoadRecord, arrive_s, i32),
    FLEMSIM_FIELD(TransitLoadRecord, scheduled_depart_s, i32),
    FLEMSIM_FIELD(TransitLoadRecord, boardings, u32),
    FLEMSIM_FIELD(TransitLoadRecord, alightings, u32),
    FLEMSIM_FIELD(TransitLoadRecord, denied, u32),
    FLEMSIM_FIELD(TransitLoadRecord, onboard, u32),
    FLEMSIM_FIELD(TransitLoadRecord, seated, u32),
    FLEMSIM_FIELD(TransitLoadRecord, capacity, u32),
    FLEMSIM_FIELD(TransitLoadRecord, gave_up, u32),
};
// The fields of /transit_load in a version-2 file: all but gave_up (appended in schema 3).
constexpr std::size_t transit_load_field_count_v2 = transit_load_fields.size() - 1;

constexpr std::array iteration_fields = {
    FLEMSIM_FIELD(IterationRecord, iteration, u16),         FLEMSIM_FIELD(IterationRecord, trips, u64),
    FLEMSIM_FIELD(IterationRecord, share_walk, f64),        FLEMSIM_FIELD(IterationRecord, share_bike, f64),
    FLEMSIM_FIELD(IterationRecord, share_transit, f64),     FLEMSIM_FIELD(IterationRecord, share_car, f64),
    FLEMSIM_FIELD(IterationRecord, sustainable_share, f64), FLEMSIM_FIELD(IterationRecord, mean_min_walk, f64),
    FLEMSIM_FIELD(IterationRecord, mean_min_bike, f64),     FLEMSIM_FIELD(IterationRecord, mean_min_transit, f64),
    FLEMSIM_FIELD(IterationRecord, mean_min_car, f64),      FLEMSIM_FIELD(IterationRecord, replanning_share, f64),
    FLEMSIM_FIELD(IterationRecord, switched_share, f64),    FLEMSIM_FIELD(IterationRecord, gap_util, f64),
    FLEMSIM_FIELD(IterationRecord, relative_gap, f64),      FLEMSIM_FIELD(IterationRecord, denied_boardings, u64),
    FLEMSIM_FIELD(IterationRecord, stuck_trips, u64),       FLEMSIM_FIELD(IterationRecord, converged, u8),
    FLEMSIM_FIELD(IterationRecord, gave_up_trips, u64),     FLEMSIM_FIELD(IterationRecord, travel_time_gap, f64),
    FLEMSIM_FIELD(IterationRecord, share_change, f64),
};
// The fields of /iterations in a version-2 file: all but gave_up_trips (appended in schema 3)
// and the last two (schema 5); in a version-3 or 4 file all but the last two.
constexpr std::size_t iteration_field_count_v2 = iteration_fields.size() - 3;
constexpr std::size_t iteration_field_count_v4 = iteration_fields.size() - 2;

constexpr std::array lot_fields = {
    FLEMSIM_FIELD(LotRecord, stop, i32),        FLEMSIM_FIELD(LotRecord, kind, u8),
    FLEMSIM_FIELD(LotRecord, spaces, u32),      FLEMSIM_FIELD(LotRecord, arrivals, u32),
    FLEMSIM_FIELD(LotRecord, peak, u32),        FLEMSIM_FIELD(LotRecord, over_capacity, u32),
    FLEMSIM_FIELD(LotRecord, full_from_s, i32),
};

// Lookup rows in memory: strings as pointers, which is how HDF5 hands variable-length
// strings over. Written rows point into the caller's std::strings; read rows own memory
// that HDF5 allocated and H5Dvlen_reclaim frees.
struct ZoneRow {
    const char* id;
    const char* name;
    const char* kind;
    double x_m, y_m, lat, lon;
};
struct StopRow {
    const char* id;
    const char* name;
    double x_m, y_m, lat, lon;
};
struct LineRow {
    const char* id;
    const char* name;
    const char* mode;
};
struct LinkRow {
    const char* id;
    const char* from;
    const char* to;
    const char* type;
    const char* name;
    double length_m, capacity_veh_per_h;
};

constexpr std::array zone_fields = {
    FLEMSIM_FIELD(ZoneRow, id, text), FLEMSIM_FIELD(ZoneRow, name, text), FLEMSIM_FIELD(ZoneRow, kind, text),
    FLEMSIM_FIELD(ZoneRow, x_m, f64), FLEMSIM_FIELD(ZoneRow, y_m, f64),   FLEMSIM_FIELD(ZoneRow, lat, f64),
    FLEMSIM_FIELD(ZoneRow, lon, f64),
};
constexpr std::array stop_fields = {
    FLEMSIM_FIELD(StopRow, id, text), FLEMSIM_FIELD(StopRow, name, text), FLEMSIM_FIELD(StopRow, x_m, f64),
    FLEMSIM_FIELD(StopRow, y_m, f64), FLEMSIM_FIELD(StopRow, lat, f64),   FLEMSIM_FIELD(StopRow, lon, f64),
};
constexpr std::array line_fields = {
    FLEMSIM_FIELD(LineRow, id, text),
    FLEMSIM_FIELD(LineRow, name, text),
    FLEMSIM_FIELD(LineRow, mode, text),
};
constexpr std::array link_fields = {
    FLEMSIM_FIELD(LinkRow, id, text),
    FLEMSIM_FIELD(LinkRow, from, text),
    FLEMSIM_FIELD(LinkRow, to, text),
    FLEMSIM_FIELD(LinkRow, type, text),
    FLEMSIM_FIELD(LinkRow, name, text),
    FLEMSIM_FIELD(LinkRow, length_m, f64),
    FLEMSIM_FIELD(LinkRow, capacity_veh_per_h, f64),
};

#undef FLEMSIM_FIELD
#undef FLEMSIM_FIELD_AS

// A table as files before schema 6 name its columns: the mode column was "mode".
template <std::size_t N>
constexpr std::array<Field, N> with_old_mode_name(std::array<Field, N> fields) {
    for (Field& f : fields)
        if (f.kind == Kind::mode) f.name = "mode";
    return fields;
}
constexpr auto trip_fields_v5 = with_old_mode_name(trip_fields);
constexpr auto leg_fields_v5 = with_old_mode_name(leg_fields);

// Every field's C++ type has the size of its kind, and the table ends at the last member
// of the struct (a field appended to records.hpp without a column here fails to compile).
template <class Row, std::size_t N>
constexpr bool table_matches(const std::array<Field, N>& fields) {
    for (const Field& f : fields)
        if (f.size != size_of(f.kind)) return false;
    const Field& last = fields[N - 1];
    return last.offset + last.size <= sizeof(Row) && sizeof(Row) - (last.offset + last.size) < alignof(Row);
}
static_assert(table_matches<TripRecord>(trip_fields));
static_assert(table_matches<PersonRecord>(person_fields));
static_assert(table_matches<ZoneRow>(zone_fields));
static_assert(table_matches<StopRow>(stop_fields));
static_assert(table_matches<LineRow>(line_fields));
static_assert(table_matches<LinkRow>(link_fields));
static_assert(table_matches<LegRecord>(leg_fields));
static_assert(table_matches<LinkVolumeRecord>(link_volume_fields));
static_assert(table_matches<TransitLoadRecord>(transit_load_fields));
static_assert(table_matches<IterationRecord>(iteration_fields));
static_assert(table_matches<LotRecord>(lot_fields));

// The atomic and enum member types of one side (memory: native; file: little-endian).
class MemberTypes {
public:
    explicit MemberTypes(bool file)
        : m_file(file),
          m_text(hdf5::vlen_string_type()),
          m_group(enum_type(u8(), core::group_names)),
          m_purpose(enum_type(u8(), core::purpose_names)),
          m_mode(enum_type(u8(), core::mode_names)),
          m_activity(enum_type(u8(), core::activity_names)) {}

    hid_t of(Kind k) const {
        switch (k) {
            case Kind::u8:
                return u8();
            case Kind::u16:
                return m_file ? H5T_STD_U16LE : H5T_NATIVE_UINT16;
            case Kind::u32:
                return m_file ? H5T_STD_U32LE : H5T_NATIVE_UINT32;
            case Kind::u64:
                return m_file ? H5T_STD_U64LE : H5T_NATIVE_UINT64;
            case Kind::i32:
                return m_file ? H5T_STD_I32LE : H5T_NATIVE_INT32;
            case Kind::f32:
                return m_file ? H5T_IEEE_F32LE : H5T_NATIVE_FLOAT;
            case Kind::f64:
                return m_file ? H5T_IEEE_F64LE : H5T_NATIVE_DOUBLE;
            case Kind::text:
                return m_text.get();
            case Kind::group:
                return m_group.get();
            case Kind::purpose:
                return m_purpose.get();
            case Kind::mode:
                return m_mode.get();
            case Kind::activity:
                return m_activity.get();
        }
        return -1;
    }

    hid_t text() const { return m_text.get(); }

    // The compound type of a table: at the struct's offsets in memory, packed in the file.
    hdf5::Datatype compound(std::span<const Field> fields, std::size_t row_size) const {
        hdf5::Datatype t(H5Tcreate(H5T_COMPOUND, row_size), "creating a compound type");
        for (const Field& f : fields)
            check(H5Tinsert(t.get(), f.name, f.offset, of(f.kind)), std::string("adding field ") + f.name);
        if (m_file) check(H5Tpack(t.get()), "packing a compound type");
        return t;
    }

private:
    hid_t u8() const { return m_file ? H5T_STD_U8LE : H5T_NATIVE_UINT8; }

    bool m_file;
    hdf5::Datatype m_text, m_group, m_purpose, m_mode, m_activity;
};

// ---- writing -------------------------------------------------------------------------

struct Storage {
    std::uint32_t chunk_rows;
    int compression_level;
    bool parallel_chunks = true;  // WriteOptions::parallel_chunks
};

// Whether a table's chunks may be filtered here rather than by the library
// (write_compressed_chunks): rows of numbers only (no strings, whose conversion allocates).
bool chunks_by_hand(hid_t file_type, hid_t mem_type) {
    for (const hid_t t : {file_type, mem_type})
        for (const H5T_class_t c : {H5T_STRING, H5T_VLEN, H5T_REFERENCE, H5T_OPAQUE})
            if (H5Tdetect_class(t, c) != 0) return false;
    return true;
}

// The chunks of a table of `rows` rows (more than one chunk), filtered as the library's pipeline
// would filter them (hdf5::compressed_chunks: shuffle, then deflate in zlib's format) but several
// chunks at a time on the threads, and written as they are (H5Dwrite_chunk). A batch of chunks
// (one per thread) is converted to the file's type by the library, one after the other (the
// library is not called from several threads), then shuffled and compressed in parallel, then
// written in order. A chunk past the last row is filled with zeros, the default fill value, as
// the library fills it. Memory: a chunk's block per thread, twice, and one for the conversion.
// The deflate is libdeflate's at the same level (zlib's format, which the library's deflate
// filter and every HDF5 reader decode): on a million agents' trip log, 598 MB of shuffled
// chunks, 2.49 s of one core and 78.7 MB against zlib's compress2 4.27 s and 81.6 MB, its
// compression having been most of the writing. Its output depends on the chunk's bytes and the
// level alone, so the file is the same at any thread count.
void write_compressed_chunks(hid_t dset, const std::string& name, hid_t file_type, hid_t mem_type, std::size_t rows,
                             std::size_t chunk_rows,
                             const std::function<const void*(std::size_t, std::size_t)>& rows_at,
                             const Storage& storage) {
    const std::size_t mem_size = H5Tget_size(mem_type), file_size = H5Tget_size(file_type);
    const std::size_t chunk_bytes = chunk_rows * file_size;
    const std::size_t chunks = (rows + chunk_rows - 1) / chunk_rows;
    const std::size_t batch =
        std::min<std::size_t>(chunks, static_cast<std::size_t>(std::max(1, tbb::this_task_arena::max_concurrency())));
    // Per chunk of a batch: its rows converted in place, then its compressed bytes (the block
    // holds either: the rows in the memory's layout, or the deflate bound of the chunk).
    struct Chunk {
        std::vector<unsigned char> bytes;
        std::size_t packed = 0;  // 0: it did not fit (not expected: the block holds the bound)
    };
    // A compressor per thread (one is not to be used by two at once).
    struct Compressor {
        std::unique_ptr<libdeflate_compressor, decltype(&libdeflate_free_compressor)> c{nullptr,
                                                                                        &libdeflate_free_compressor};
    };
    tbb::enumerable_thread_specific<Compressor> compressors([&] {
        Compressor k;
        k.c.reset(libdeflate_alloc_compressor(storage.compression_level));
        if (!k.c)
            throw core::IoError("compressing " + name + ": deflate level " + std::to_string(storage.compression_level) +
                                " not available");
        return k;
    });
    std::vector<Chunk> work(batch);
    // (The bound of any compressor: libdeflate takes a null one for that.)
    const std::size_t block = std::max<std::size_t>(chunk_rows * std::max(mem_size, file_size),
                                                    libdeflate_zlib_compress_bound(nullptr, chunk_bytes));
    std::vector<unsigned char> background(chunk_rows * std::max(mem_size, file_size));  // the conversion's
    tbb::enumerable_thread_specific<std::vector<unsigned char>> shuffled;
    for (std::size_t b0 = 0; b0 < chunks; b0 += batch) {
        const std::size_t n = std::min(batch, chunks - b0);
        for (std::size_t k = 0; k < n; ++k) {
            const std::size_t first = (b0 + k) * chunk_rows, count = std::min(chunk_rows, rows - first);
            auto& raw = work[k].bytes;
            raw.resize(block);
            std::memcpy(raw.data(), rows_at(first, count), count * mem_size);
            // (The conversion of compound types works in a background buffer of the same size.)
            std::fill(background.begin(), background.end(), 0);
            check(H5Tconvert(mem_type, file_type, count, raw.data(), background.data(), H5P_DEFAULT),
                  "converting rows of " + name);
            std::fill(raw.begin() + static_cast<std::ptrdiff_t>(count * file_size),
                      raw.begin() + static_cast<std::ptrdiff_t>(chunk_bytes), 0);
        }
        tbb::parallel_for(std::size_t{0}, n, [&](std::size_t k) {
            Chunk& c = work[k];
            // Shuffle (H5Z_FILTER_SHUFFLE): byte j of every element together, element by element
            // (one element, or one byte each, stays as it is).
            auto& out = shuffled.local();
            out.resize(chunk_bytes);
            const unsigned char* in = c.bytes.data();
            for (std::size_t j = 0; j < file_size; ++j) {
                unsigned char* plane = out.data() + j * chunk_rows;
                for (std::size_t i = 0; i < chunk_rows; ++i) plane[i] = in[i * file_size + j];
            }
            c.packed = libdeflate_zlib_compress(compressors.local().c.get(), out.data(), chunk_bytes, c.bytes.data(),
                                                c.bytes.size());
        });
        for (std::size_t k = 0; k < n; ++k) {
            if (work[k].packed == 0)
                throw core::IoError("compressing a chunk of " + name + ": its deflate did not fit in " +
                                    std::to_string(work[k].bytes.size()) + " bytes");
            const hsize_t offset[1] = {(b0 + k) * chunk_rows};
            check(H5Dwrite_chunk(dset, H5P_DEFAULT, 0, offset, work[k].packed, work[k].bytes.data()),
                  "writing a chunk of " + name);
        }
    }
}

// A 1-D chunked dataset with shuffle + deflate. The extent is unlimited so that an empty
// table can still have a chunk size (a fixed extent of 0 admits no chunk); times are not
// tracked so that the same rows give the same bytes.
// Writes `rows` rows; rows_at(first, count) gives a pointer to rows first .. first + count - 1
// in memory (blocks of at most one chunk are asked for, in order).
void write_table_blocks(hid_t loc, const std::string& name, hid_t file_type, hid_t mem_type, std::size_t rows,
                        const std::function<const void*(std::size_t, std::size_t)>& rows_at, const Storage& storage) {
    const hsize_t dims[1] = {rows};
    const hsize_t max_dims[1] = {H5S_UNLIMITED};
    const hdf5::Dataspace space = hdf5::simple_space(dims, max_dims);
    const hsize_t chunk[1] = {
        std::min<hsize_t>(std::max<std::uint32_t>(storage.chunk_rows, 1), std::max<hsize_t>(rows, 1))};
    const hdf5::PropertyList dcpl =
        hdf5::compressed_chunks(chunk, static_cast<unsigned>(storage.compression_level), name);
    hdf5::Dataset dset(H5Dcreate2(loc, name.c_str(), file_type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                       "creating dataset " + name);
    if (storage.parallel_chunks && rows > chunk[0] && chunks_by_hand(file_type, mem_type)) {
        write_compressed_chunks(dset.get(), name, file_type, mem_type, rows, static_cast<std::size_t>(chunk[0]),
                                rows_at, storage);
        dset.close("closing dataset " + name);
        return;
    }
    // Whole chunks at a time: each is compressed once.
    for (std::size_t first = 0; first < rows; first += chunk[0]) {
        const hsize_t start[1] = {first};
        const hsize_t count[1] = {std::min<hsize_t>(chunk[0], rows - first)};
        hdf5::Dataspace file_space(H5Dget_space(dset.get()), "selecting rows of " + name);
        check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr),
              "selecting rows of " + name);
        const hdf5::Dataspace mem_space = hdf5::simple_space(count);
        check(H5Dwrite(dset.get(), mem_type, mem_space.get(), file_space.get(), H5P_DEFAULT,
                       rows_at(first, static_cast<std::size_t>(count[0]))),
              "writing dataset " + name);
    }
    dset.close("closing dataset " + name);
}

void write_table(hid_t loc, const std::string& name, hid_t file_type, hid_t mem_type, std::size_t rows,
                 const void* data, const Storage& storage) {
    const std::size_t row_size = H5Tget_size(mem_type);
    write_table_blocks(
        loc, name, file_type, mem_type, rows,
        [&](std::size_t first, std::size_t) { return static_cast<const unsigned char*>(data) + first * row_size; },
        storage);
}

template <std::size_t N>
void write_names(hid_t loc, const std::string& name, const std::array<std::string_view, N>& names, hid_t text,
                 const Storage& storage) {
    std::vector<std::string> owned(names.begin(), names.end());
    std::vector<const char*> pointers;
    for (const std::string& s : owned) pointers.push_back(s.c_str());
    write_table(loc, name, text, text, pointers.size(), pointers.data(), storage);
}

using hdf5::write_attribute;
using hdf5::write_scalar_attribute;
using hdf5::write_string_attribute;

// A list of text lines as one string attribute, a line each (empty without any).
void write_lines_attribute(hid_t root, const char* name, const std::vector<std::string>& lines, hid_t text) {
    std::string joined;
    for (const auto& l : lines) joined += (joined.empty() ? "" : "\n") + l;
    write_string_attribute(root, name, joined, text);
}

void write_meta(hid_t root, const TripLogMeta& meta, hid_t text, bool simulated) {
    // The layout written is this code's, whatever meta.schema_version says.
    const int schema_version = trip_log_schema_version;
    write_scalar_attribute(root, "schema_version", H5T_STD_I32LE, H5T_NATIVE_INT, &schema_version);
    write_string_attribute(root, "program_version", meta.program_version, text);
    write_string_attribute(root, "scenario_name", meta.scenario_name, text);
    const std::uint64_t seed = meta.seed;
    write_scalar_attribute(root, "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, &seed);
    write_string_attribute(root, "scenario_yaml", meta.scenario_yaml, text);
    std::string hashes;
    for (const auto& [input, sha256] : meta.input_hashes) {
        if (!hashes.empty()) hashes += '\n';
        hashes += input + ' ' + sha256;
    }
    write_string_attribute(root, "input_hashes", hashes, text);
    write_string_attribute(root, "created_utc", meta.created_utc, text);
    write_lines_attribute(root, "overrides", meta.overrides, text);
    write_lines_attribute(root, "packages", meta.packages, text);
    write_lines_attribute(root, "zones_unreachable", meta.zones_unreachable, text);
    // What kind of run wrote the file, for readers that do not look for /legs.
    write_string_attribute(root, "run", simulated ? "simulated" : "static", text);
    write_scalar_attribute(root, "target_sustainable_share", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                           &meta.target_sustainable_share);
    const hsize_t dims[1] = {meta.distance_bands_km.size()};
    const hdf5::Dataspace space = hdf5::simple_space(dims);
    // H5Awrite refuses a null buffer even for zero elements.
    const double none = 0;
    write_attribute(root, "distance_bands_km", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, space.get(),
                    meta.distance_bands_km.empty() ? &none : meta.distance_bands_km.data());
}

void write_lookups(hid_t file, const Lookups& lookups, const MemberTypes& mem, const MemberTypes& disk,
                   const Storage& storage) {
    const hdf5::PropertyList gcpl = hdf5::untracked_creation(H5P_GROUP_CREATE, "/lookup");
    hdf5::Group group(H5Gcreate2(file, "lookup", H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), "creating group /lookup");

    std::vector<ZoneRow> zones;
    zones.reserve(lookups.zones.size());
    for (const ZoneLookup& z : lookups.zones)
        zones.push_back({z.id.c_str(), z.name.c_str(), z.kind.c_str(), z.x_m, z.y_m, z.lat, z.lon});
    write_table(group.get(), "zones", disk.compound(zone_fields, sizeof(ZoneRow)).get(),
                mem.compound(zone_fields, sizeof(ZoneRow)).get(), zones.size(), zones.data(), storage);

    std::vector<StopRow> stops;
    stops.reserve(lookups.stops.size());
    for (const StopLookup& s : lookups.stops)
        stops.push_back({s.id.c_str(), s.name.c_str(), s.x_m, s.y_m, s.lat, s.lon});
    write_table(group.get(), "stops", disk.compound(stop_fields, sizeof(StopRow)).get(),
                mem.compound(stop_fields, sizeof(StopRow)).get(), stops.size(), stops.data(), storage);

    std::vector<LineRow> lines;
    lines.reserve(lookups.lines.size());
    for (const LineLookup& l : lookups.lines) lines.push_back({l.id.c_str(), l.name.c_str(), l.mode.c_str()});
    write_table(group.get(), "lines", disk.compound(line_fields, sizeof(LineRow)).get(),
                mem.compound(line_fields, sizeof(LineRow)).get(), lines.size(), lines.data(), storage);

    if (!lookups.links.empty()) {
        std::vector<LinkRow> links;
        links.reserve(lookups.links.size());
        for (const LinkLookup& l : lookups.links)
            links.push_back({l.id.c_str(), l.from.c_str(), l.to.c_str(), l.type.c_str(), l.name.c_str(), l.length_m,
                             l.capacity_veh_per_h});
        write_table(group.get(), "links", disk.compound(link_fields, sizeof(LinkRow)).get(),
                    mem.compound(link_fields, sizeof(LinkRow)).get(), links.size(), links.data(), storage);
    }

    write_names(group.get(), "modes", core::mode_names, disk.text(), storage);
    write_names(group.get(), "purposes", core::purpose_names, disk.text(), storage);
    write_names(group.get(), "groups", core::group_names, disk.text(), storage);
    write_names(group.get(), "activities", core::activity_names, disk.text(), storage);
    group.close("closing group /lookup");
}

// A table of fixed-size rows, `fields` of `Row`.
template <class Row, std::size_t N>
void write_rows(hid_t loc, const std::string& name, const std::array<Field, N>& fields, const std::vector<Row>& rows,
                const MemberTypes& mem, const MemberTypes& disk, const Storage& storage) {
    write_table(loc, name, disk.compound(fields, sizeof(Row)).get(), mem.compound(fields, sizeof(Row)).get(),
                rows.size(), rows.data(), storage);
}

template <class Row, std::size_t N>
void write_rows(hid_t loc, const std::string& name, const std::array<Field, N>& fields, const RowSource<Row>& source,
                const MemberTypes& mem, const MemberTypes& disk, const Storage& storage) {
    std::vector<Row> block;
    write_table_blocks(
        loc, name, disk.compound(fields, sizeof(Row)).get(), mem.compound(fields, sizeof(Row)).get(), source.rows,
        [&](std::size_t first, std::size_t count) -> const void* {
            block.assign(count, Row{});
            source.fill(first, count, block.data());
            return block.data();
        },
        storage);
}

void write_simulation(hid_t file, const SimulationSources& simulation, const MemberTypes& mem, const MemberTypes& disk,
                      const Storage& storage) {
    write_rows(file, "legs", leg_fields, simulation.legs, mem, disk, storage);
    write_rows(file, "link_volumes", link_volume_fields, simulation.link_volumes, mem, disk, storage);
    write_rows(file, "transit_load", transit_load_fields, simulation.transit_load, mem, disk, storage);
    write_rows(file, "iterations", iteration_fields, simulation.iterations, mem, disk, storage);
    write_rows(file, "lots", lot_fields, simulation.lots, mem, disk, storage);
}

void write_simulation(hid_t file, const SimulationTables& simulation, const MemberTypes& mem, const MemberTypes& disk,
                      const Storage& storage) {
    write_rows(file, "legs", leg_fields, simulation.legs, mem, disk, storage);
    write_rows(file, "link_volumes", link_volume_fields, simulation.link_volumes, mem, disk, storage);
    write_rows(file, "transit_load", transit_load_fields, simulation.transit_load, mem, disk, storage);
    write_rows(file, "iterations", iteration_fields, simulation.iterations, mem, disk, storage);
    write_rows(file, "lots", lot_fields, simulation.lots, mem, disk, storage);
}

// ---- reading -------------------------------------------------------------------------

// Frees the variable-length strings HDF5 allocated while reading `buffer`.
class VlenReclaim {
public:
    VlenReclaim(hid_t type, hid_t space, void* buffer) : m_type(type), m_space(space), m_buffer(buffer) {}
    ~VlenReclaim() { H5Dvlen_reclaim(m_type, m_space, H5P_DEFAULT, m_buffer); }
    VlenReclaim(const VlenReclaim&) = delete;
    VlenReclaim& operator=(const VlenReclaim&) = delete;

private:
    hid_t m_type, m_space;
    void* m_buffer;
};

class Reader {
public:
    explicit Reader(const std::filesystem::path& path)
        : m_pos{path.string(), 0, 0},
          m_file(hdf5::open_file_read(path)),
          m_root(H5Gopen2(m_file.get(), "/", H5P_DEFAULT), "opening the root group") {}

    [[noreturn]] void refuse(std::string message) const { throw core::InputError(m_pos, std::move(message)); }

    int schema_version() const {
        if (H5Aexists(m_root.get(), "schema_version") <= 0)
            refuse("not a flemsim trip log: the root group has no attribute 'schema_version'");
        int version = 0;
        read_number(m_root.get(), "schema_version", H5T_INTEGER, H5T_NATIVE_INT, &version, 1);
        return version;
    }

    TripLogMeta meta() const {
        TripLogMeta meta;
        meta.schema_version = schema_version();
        meta.program_version = read_string(m_root.get(), "program_version");
        meta.scenario_name = read_string(m_root.get(), "scenario_name");
        read_number(m_root.get(), "seed", H5T_INTEGER, H5T_NATIVE_UINT64, &meta.seed, 1);
        meta.scenario_yaml = read_string(m_root.get(), "scenario_yaml");
        meta.input_hashes = parse_hashes(read_string(m_root.get(), "input_hashes"));
        meta.created_utc = read_string(m_root.get(), "created_utc");
        // Files before them have no 'overrides', 'packages' or 'zones_unreachable'.
        meta.overrides = read_lines("overrides");
        meta.packages = read_lines("packages");
        meta.zones_unreachable = read_lines("zones_unreachable");
        read_number(m_root.get(), "target_sustainable_share", H5T_FLOAT, H5T_NATIVE_DOUBLE,
                    &meta.target_sustainable_share, 1);
        meta.distance_bands_km.resize(attribute_size("distance_bands_km"));
        read_number(m_root.get(), "distance_bands_km", H5T_FLOAT, H5T_NATIVE_DOUBLE, meta.distance_bands_km.data(),
                    meta.distance_bands_km.size());
        return meta;
    }

    // A root attribute of text lines (write_lines_attribute); none when the file has no such attribute.
    std::vector<std::string> read_lines(const char* name) const {
        std::vector<std::string> lines;
        if (H5Aexists(m_root.get(), name) <= 0) return lines;
        const std::string text = read_string(m_root.get(), name);
        for (const auto line : core::split(text, '\n'))
            if (!line.empty()) lines.emplace_back(line);
        return lines;
    }

    // The root attribute 'run' ("static" or "simulated"; files before it have none) against
    // what the file holds.
    void check_run_kind(bool simulated) const {
        if (H5Aexists(m_root.get(), "run") <= 0) return;
        const std::string run = read_string(m_root.get(), "run");
        if (run != "static" && run != "simulated") refuse("attribute 'run' is '" + run + "', not static or simulated");
        if ((run == "simulated") != simulated)
            refuse("attribute 'run' says " + run +
                   (simulated ? " but the file has /legs" : " but the file has no /legs"));
    }

    bool exists(const char* path) const {
        const htri_t found = H5Lexists(m_file.get(), path, H5P_DEFAULT);
        if (found < 0) fail(std::string("looking for ") + path);
        return found > 0;
    }

    // Fails with an InputError naming the first of `paths` that is missing.
    void require(std::initializer_list<const char*> paths) const {
        for (const char* p : paths)
            if (H5Lexists(m_file.get(), p, H5P_DEFAULT) <= 0) refuse(std::string("trip log has no ") + p);
    }

    // Reads the 1-D compound dataset `name` with `mem_type` (conversion goes by field name,
    // so a file with its fields in another order reads the same) after checking that every
    // field exists and every enum has our labels; hands the rows to `consume` before the
    // variable-length strings in them are freed.
    template <class Row, class Consume>
    void read_rows(const std::string& name, std::span<const Field> fields, hid_t mem_type, Consume consume) const {
        hdf5::Dataset dset(H5Dopen2(m_file.get(), name.c_str(), H5P_DEFAULT), "opening dataset " + name);
        hdf5::Datatype file_type(H5Dget_type(dset.get()), "getting the type of " + name);
        if (H5Tget_class(file_type.get()) != H5T_COMPOUND) refuse(name + " is not a table of compound rows");
        for (const Field& f : fields) {
            const int index = H5Tget_member_index(file_type.get(), f.name);
            if (index < 0) {
                H5Eclear2(H5E_DEFAULT);
                refuse(name + " has no field '" + f.name + "'");
            }
            switch (f.kind) {
                case Kind::group:
                    check_enum(file_type.get(), index, name, f.name, core::group_names);
                    break;
                case Kind::purpose:
                    check_enum(file_type.get(), index, name, f.name, core::purpose_names);
                    break;
                case Kind::mode:
                    check_enum(file_type.get(), index, name, f.name, core::mode_names);
                    break;
                case Kind::activity:
                    check_enum(file_type.get(), index, name, f.name, core::activity_names);
                    break;
                default:
                    break;
            }
        }
        hdf5::Dataspace space(H5Dget_space(dset.get()), "getting the dataspace of " + name);
        if (H5Sget_simple_extent_ndims(space.get()) != 1) refuse(name + " is not one-dimensional");
        hsize_t rows = 0;
        check(H5Sget_simple_extent_dims(space.get(), &rows, nullptr), "getting the size of " + name);
        std::vector<Row> buffer(rows);
        if (rows == 0) {
            consume(std::as_const(buffer));
            return;
        }
        check(H5Dread(dset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()), "reading dataset " + name);
        // Reclaiming walks every row, so only tables with strings pay for it.
        const bool has_text =
            std::any_of(fields.begin(), fields.end(), [](const Field& f) { return f.kind == Kind::text; });
        if (!has_text) {
            consume(std::as_const(buffer));
            return;
        }
        const VlenReclaim reclaim(mem_type, space.get(), buffer.data());
        consume(std::as_const(buffer));
    }

    // /lookup/{modes,purposes,groups,activities} list the labels of the enums by value, for
    // readers without enum support: they must be ours, or the file says one thing to pandas
    // and another to us.
    void check_names() const {
        check_name_table("/lookup/modes", core::mode_names);
        check_name_table("/lookup/purposes", core::purpose_names);
        check_name_table("/lookup/groups", core::group_names);
        check_name_table("/lookup/activities", core::activity_names);
    }

private:
    template <std::size_t N>
    void check_name_table(const char* name, const std::array<std::string_view, N>& names) const {
        require({name});
        hdf5::Dataset dset(H5Dopen2(m_file.get(), name, H5P_DEFAULT), std::string("opening dataset ") + name);
        const hdf5::Datatype type(H5Dget_type(dset.get()), std::string("getting the type of ") + name);
        const hdf5::Dataspace space(H5Dget_space(dset.get()), std::string("getting the dataspace of ") + name);
        const std::string expected = fmt::format("{}", fmt::join(names, ", "));
        if (H5Tget_class(type.get()) != H5T_STRING || H5Sget_simple_extent_ndims(space.get()) != 1 ||
            H5Sget_simple_extent_npoints(space.get()) != static_cast<hssize_t>(N))
            refuse(fmt::format("{} should list the {} labels {}", name, N, expected));
        const hdf5::Datatype text = hdf5::vlen_string_type();
        std::array<char*, N> read{};
        check(H5Dread(dset.get(), text.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, read.data()),
              std::string("reading dataset ") + name);
        bool same = true;
        {
            const VlenReclaim reclaim(text.get(), space.get(), read.data());
            for (std::size_t i = 0; i < N; ++i) same = same && read[i] != nullptr && names[i] == read[i];
        }
        if (!same) refuse(fmt::format("{}: labels are not this flemsim's ({})", name, expected));
    }

    template <std::size_t N>
    void check_enum(hid_t compound, int index, const std::string& table, const char* field,
                    const std::array<std::string_view, N>& names) const {
        hdf5::Datatype member(H5Tget_member_type(compound, static_cast<unsigned>(index)),
                              "getting the type of " + table + "." + field);
        std::string expected;
        for (std::size_t i = 0; i < N; ++i)
            expected += (i ? ", " : "") + std::string(names[i]) + "=" + std::to_string(i);
        const std::string mismatch =
            table + " field '" + field + "': enum labels do not match this flemsim's (" + expected + ")";
        if (H5Tget_class(member.get()) != H5T_ENUM || H5Tget_size(member.get()) != 1 ||
            H5Tget_nmembers(member.get()) != static_cast<int>(N))
            refuse(mismatch);
        // HDF5 keeps labels and values unique, so N members that each map value -> our label
        // are exactly our enum.
        for (unsigned j = 0; j < N; ++j) {
            std::uint8_t value = 0;
            check(H5Tget_member_value(member.get(), j, &value), "reading an enum value of " + table);
            const hdf5::String label(H5Tget_member_name(member.get(), j));
            if (!label) fail("reading an enum label of " + table);
            if (value >= N || names[value] != label.get()) refuse(mismatch);
        }
    }

    std::size_t attribute_size(const char* name) const {
        if (H5Aexists(m_root.get(), name) <= 0) refuse(std::string("trip log has no attribute '") + name + "'");
        hdf5::Attribute attr(H5Aopen(m_root.get(), name, H5P_DEFAULT), std::string("opening attribute ") + name);
        hdf5::Dataspace space(H5Aget_space(attr.get()), std::string("getting the dataspace of ") + name);
        const hssize_t n = H5Sget_simple_extent_npoints(space.get());
        if (n < 0) fail(std::string("getting the size of attribute ") + name);
        return static_cast<std::size_t>(n);
    }

    // Reads `count` numbers of class `cls` (converted to `mem_type`) from attribute `name`.
    void read_number(hid_t loc, const char* name, H5T_class_t cls, hid_t mem_type, void* out, std::size_t count) const {
        if (attribute_size(name) != count)
            refuse(std::string("attribute '") + name + "' should hold " + std::to_string(count) + " value(s)");
        hdf5::Attribute attr(H5Aopen(loc, name, H5P_DEFAULT), std::string("opening attribute ") + name);
        hdf5::Datatype type(H5Aget_type(attr.get()), std::string("getting the type of attribute ") + name);
        if (H5Tget_class(type.get()) != cls)
            refuse(std::string("attribute '") + name + "' is not " + (cls == H5T_INTEGER ? "an integer" : "a number"));
        if (count > 0) check(H5Aread(attr.get(), mem_type, out), std::string("reading attribute ") + name);
    }

    std::string read_string(hid_t loc, const char* name) const {
        if (attribute_size(name) != 1) refuse(std::string("attribute '") + name + "' should hold one string");
        hdf5::Attribute attr(H5Aopen(loc, name, H5P_DEFAULT), std::string("opening attribute ") + name);
        const hdf5::Datatype type(H5Aget_type(attr.get()), std::string("getting the type of attribute ") + name);
        if (H5Tget_class(type.get()) != H5T_STRING) refuse(std::string("attribute '") + name + "' is not a string");
        return hdf5::read_string_attribute(attr.get(), name);
    }

    std::vector<std::pair<std::string, std::string>> parse_hashes(const std::string& text) const {
        std::vector<std::pair<std::string, std::string>> hashes;
        std::size_t line_number = 0;
        for (std::size_t begin = 0; begin <= text.size();) {
            std::size_t end = text.find('\n', begin);
            if (end == std::string::npos) end = text.size();
            const std::string line = text.substr(begin, end - begin);
            ++line_number;
            begin = end + 1;
            if (line.empty()) continue;
            // The hash has no spaces; the input name may.
            const std::size_t space = line.rfind(' ');
            if (space == std::string::npos)
                refuse("attribute 'input_hashes' line " + std::to_string(line_number) +
                       ": expected 'name sha256', got '" + line + "'");
            hashes.emplace_back(line.substr(0, space), line.substr(space + 1));
        }
        return hashes;
    }

    core::SourcePos m_pos;
    hdf5::File m_file;
    hdf5::Group m_root;
};

std::string str_or_empty(const char* s) {
    return s != nullptr ? std::string(s) : std::string();
}

// ---- checks of what was read ---------------------------------------------------------
//
// Nothing read is taken on trust: a file that HDF5 reads without complaint may still hold
// values no flemsim run writes (a corrupted or hand-edited file, another program's), and
// the report, the exports and the HTML page index tables with them. Every value is checked
// against the schema and the lookups of the same file; ids of the network (nodes, links),
// which the file does not list, are checked by the exports against the network they are
// given (see check_same_network). Rows are counted from 0, as h5py and pandas count them.
class Checks {
public:
    explicit Checks(const Reader& reader) : m_reader(reader) {}

    // "/trips row 17, field dest_zone: 99999 is not a zone of /lookup/zones (12 zones)"
    [[noreturn]] void refuse(const char* table, std::size_t row, const char* field, const std::string& what) const {
        m_reader.refuse(fmt::format("{} row {}, field {}: {}", table, row, field, what));
    }

    // Values outside an enum cannot come from our writer; HDF5 converts an unknown enum
    // value to all-ones bits, which this catches too.
    template <std::size_t N>
    void label(const char* table, std::size_t row, const char* field, std::uint8_t value,
               const std::array<std::string_view, N>& names) const {
        if (value >= N) refuse(table, row, field, fmt::format("{} is not one of {}", value, fmt::join(names, ", ")));
    }

    void flag(const char* table, std::size_t row, const char* field, std::uint8_t value) const {
        if (value > 1) refuse(table, row, field, fmt::format("{} is neither 0 nor 1", value));
    }

    // A row number of another table (`what` names it in the error), or -1 where allowed.
    void index(const char* table, std::size_t row, const char* field, std::int64_t value, std::size_t count,
               const char* what, bool none_allowed = false) const {
        if (value >= 0 && static_cast<std::uint64_t>(value) < count) return;
        if (none_allowed && value == -1) return;
        refuse(table, row, field,
               fmt::format("{} is not {} ({} in the file{})", value, what, count, none_allowed ? "; -1 for none" : ""));
    }

    // Times, distances, durations and money: finite and not negative.
    void amount(const char* table, std::size_t row, const char* field, double value) const {
        if (!std::isfinite(value) || value < 0)
            refuse(table, row, field, fmt::format("{} is not a finite, non-negative number", value));
    }

    // A time of the simulated day, or -1 for one the day did not reach.
    void moment(const char* table, std::size_t row, const char* field, std::int32_t value) const {
        if (value < -1) refuse(table, row, field, fmt::format("{} is neither a time of day nor -1", value));
    }

    void share(const char* table, std::size_t row, const char* field, double value) const {
        if (!(value >= 0 && value <= 1)) refuse(table, row, field, fmt::format("{} is not a share in [0, 1]", value));
    }

    void finite(const char* table, std::size_t row, const char* field, double value) const {
        if (!std::isfinite(value)) refuse(table, row, field, fmt::format("{} is not a finite number", value));
    }

    void order(const char* table, std::size_t row, const char* field, std::int64_t value, const char* earlier_field,
               std::int64_t earlier) const {
        if (value < earlier)
            refuse(table, row, field, fmt::format("{} is before {} ({})", value, earlier_field, earlier));
    }

    void meta(const TripLogMeta& m) const {
        if (!(m.target_sustainable_share >= 0 && m.target_sustainable_share <= 1))
            m_reader.refuse(fmt::format("attribute 'target_sustainable_share': {} is not a share in [0, 1]",
                                        m.target_sustainable_share));
        for (std::size_t i = 0; i < m.distance_bands_km.size(); ++i) {
            const double b = m.distance_bands_km[i];
            if (!std::isfinite(b) || b <= 0 || (i > 0 && b <= m.distance_bands_km[i - 1]))
                m_reader.refuse(
                    fmt::format("attribute 'distance_bands_km', value {}: {} is not a finite, positive "
                                "limit above the one before",
                                i, b));
        }
    }

    void lookups(const Lookups& l) const {
        for (std::size_t i = 0; i < l.zones.size(); ++i)
            place("/lookup/zones", i, l.zones[i].x_m, l.zones[i].y_m, l.zones[i].lat, l.zones[i].lon);
        for (std::size_t i = 0; i < l.stops.size(); ++i)
            place("/lookup/stops", i, l.stops[i].x_m, l.stops[i].y_m, l.stops[i].lat, l.stops[i].lon);
        for (std::size_t i = 0; i < l.links.size(); ++i) {
            amount("/lookup/links", i, "length_m", l.links[i].length_m);
            amount("/lookup/links", i, "capacity_veh_per_h", l.links[i].capacity_veh_per_h);
        }
    }

    void trips(const TripLog& log) const {
        const char* t = "/trips";
        const Lookups& l = log.lookups;
        for (std::size_t i = 0; i < log.trips.size(); ++i) {
            const TripRecord& r = log.trips[i];
            // Trips are numbered by their row: /legs refers to them so.
            if (r.trip_id != i) refuse(t, i, "trip_id", fmt::format("{} is not the row number", r.trip_id));
            index(t, i, "person_id", r.person_id, log.persons.size(), "a row of /persons");
            if (r.trip_index >= log.persons[r.person_id].trip_count)
                refuse(t, i, "trip_index",
                       fmt::format("{} is beyond the {} trips of person {}", r.trip_index,
                                   log.persons[r.person_id].trip_count, r.person_id));
            label(t, i, "group", r.group, core::group_names);
            label(t, i, "purpose", r.purpose, core::purpose_names);
            label(t, i, log.meta.schema_version < 6 ? "mode" : "main_mode", r.mode, core::mode_names);
            label(t, i, "dest_activity", r.dest_activity, core::activity_names);
            index(t, i, "origin_zone", r.origin_zone, l.zones.size(), "a zone of /lookup/zones");
            index(t, i, "dest_zone", r.dest_zone, l.zones.size(), "a zone of /lookup/zones");
            amount(t, i, "dep_time_s", r.dep_time_s);
            order(t, i, "arr_time_s", r.arr_time_s, "dep_time_s", r.dep_time_s);
            amount(t, i, "distance_m", r.distance_m);
            amount(t, i, "in_vehicle_s", r.in_vehicle_s);
            amount(t, i, "wait_s", r.wait_s);
            amount(t, i, "access_s", r.access_s);
            amount(t, i, "egress_s", r.egress_s);
            amount(t, i, "transfer_walk_s", r.transfer_walk_s);
            index(t, i, "board_stop", r.board_stop, l.stops.size(), "a stop of /lookup/stops", true);
            index(t, i, "alight_stop", r.alight_stop, l.stops.size(), "a stop of /lookup/stops", true);
            index(t, i, "first_line", r.first_line, l.lines.size(), "a line of /lookup/lines", true);
            index(t, i, "last_line", r.last_line, l.lines.size(), "a line of /lookup/lines", true);
            amount(t, i, "cost_sek", r.cost_sek);
            flag(t, i, "stuck", r.stuck);
            flag(t, i, "gave_up", r.gave_up);
            if (r.transit_access > core::access_park_and_ride)
                refuse(
                    t, i, "transit_access",
                    fmt::format("{} is not one of 0 (walk), 1 (bike-and-ride), 2 (park-and-ride)", r.transit_access));
            if (r.transit_access != core::access_walk && r.mode != static_cast<std::uint8_t>(core::Mode::transit))
                refuse(t, i, "transit_access", fmt::format("{} but the trip is not by transit", r.transit_access));
        }
    }

    // Persons are checked before trips (which look up their trip_count); their trip
    // counts are compared with /trips afterwards (counts()).
    void persons(const TripLog& log) const {
        const char* t = "/persons";
        const std::size_t zones = log.lookups.zones.size();
        for (std::size_t i = 0; i < log.persons.size(); ++i) {
            const PersonRecord& p = log.persons[i];
            if (p.person_id != i) refuse(t, i, "person_id", fmt::format("{} is not the row number", p.person_id));
            label(t, i, "group", p.group, core::group_names);
            flag(t, i, "car_available", p.car_available);
            flag(t, i, "bike_owner", p.bike_owner);
            flag(t, i, "transit_pass", p.transit_pass);
            index(t, i, "home_zone", p.home_zone, zones, "a zone of /lookup/zones");
            index(t, i, "work_zone", p.work_zone, zones, "a zone of /lookup/zones", true);
            index(t, i, "study_zone", p.study_zone, zones, "a zone of /lookup/zones", true);
        }
    }

    void counts(const TripLog& log) const {
        std::vector<std::uint64_t> trips_of(log.persons.size(), 0);
        for (const TripRecord& r : log.trips) ++trips_of[r.person_id];
        for (std::size_t i = 0; i < log.persons.size(); ++i)
            if (trips_of[i] != log.persons[i].trip_count)
                refuse(
                    "/persons", i, "trip_count",
                    fmt::format("{} but /trips has {} trips of this person", log.persons[i].trip_count, trips_of[i]));
    }

    void simulation(const TripLog& log) const {
        const SimulationTables& s = log.simulation;
        const Lookups& l = log.lookups;
        for (std::size_t i = 0; i < s.legs.size(); ++i) {
            const char* t = "/legs";
            const LegRecord& r = s.legs[i];
            if (r.trip_id >= log.trips.size())
                refuse(t, i, "trip_id",
                       fmt::format("{} is not a row of /trips ({} in the file)", r.trip_id, log.trips.size()));
            if (r.person_id != log.trips[r.trip_id].person_id)
                refuse(t, i, "person_id",
                       fmt::format("{} is not the person of trip {} ({})", r.person_id, r.trip_id,
                                   log.trips[r.trip_id].person_id));
            label(t, i, log.meta.schema_version < 6 ? "mode" : "leg_mode", r.mode, core::mode_names);
            index(t, i, "line", r.line, l.lines.size(), "a line of /lookup/lines", true);
            if (r.vehicle_trip < -1) refuse(t, i, "vehicle_trip", fmt::format("{} is below -1", r.vehicle_trip));
            index(t, i, "board_stop", r.board_stop, l.stops.size(), "a stop of /lookup/stops", true);
            index(t, i, "alight_stop", r.alight_stop, l.stops.size(), "a stop of /lookup/stops", true);
            // A leg of a trip stuck at the end of the day may not have begun, boarded or ended.
            moment(t, i, "start_s", r.start_s);
            moment(t, i, "board_s", r.board_s);
            moment(t, i, "end_s", r.end_s);
            if (r.start_s >= 0 && r.board_s >= 0) order(t, i, "board_s", r.board_s, "start_s", r.start_s);
            if (r.board_s >= 0 && r.end_s >= 0) order(t, i, "end_s", r.end_s, "board_s", r.board_s);
            amount(t, i, "distance_m", r.distance_m);
        }
        for (std::size_t i = 0; i < s.link_volumes.size(); ++i) {
            const char* t = "/link_volumes";
            const LinkVolumeRecord& r = s.link_volumes[i];
            index(t, i, "link", r.link, l.links.size(), "a link of /lookup/links");
            flag(t, i, "direction", r.direction);
            if (r.hour > 47) refuse(t, i, "hour", fmt::format("{} is not an hour of 0..47", r.hour));
        }
        for (std::size_t i = 0; i < s.transit_load.size(); ++i) {
            const char* t = "/transit_load";
            const TransitLoadRecord& r = s.transit_load[i];
            index(t, i, "line", r.line, l.lines.size(), "a line of /lookup/lines");
            flag(t, i, "direction", r.direction);
            index(t, i, "from_stop", r.from_stop, l.stops.size(), "a stop of /lookup/stops");
            index(t, i, "to_stop", r.to_stop, l.stops.size(), "a stop of /lookup/stops");
            // A vehicle still on its way at the end of the day has not left or reached some stops.
            moment(t, i, "depart_s", r.depart_s);
            moment(t, i, "arrive_s", r.arrive_s);
            if (r.arrive_s >= 0) {
                if (r.depart_s < 0) refuse(t, i, "arrive_s", fmt::format("{} but depart_s is -1", r.arrive_s));
                order(t, i, "arrive_s", r.arrive_s, "depart_s", r.depart_s);
            }
            amount(t, i, "scheduled_depart_s", r.scheduled_depart_s);
            if (r.gave_up > r.denied)
                refuse(t, i, "gave_up", fmt::format("{} is more than denied ({})", r.gave_up, r.denied));
        }
        for (std::size_t i = 0; i < s.iterations.size(); ++i) {
            const char* t = "/iterations";
            const IterationRecord& r = s.iterations[i];
            share(t, i, "share_walk", r.share_walk);
            share(t, i, "share_bike", r.share_bike);
            share(t, i, "share_transit", r.share_transit);
            share(t, i, "share_car", r.share_car);
            share(t, i, "sustainable_share", r.sustainable_share);
            // A mode without trips has no mean: NaN.
            for (const auto& [field, value] :
                 {std::pair{"mean_min_walk", r.mean_min_walk}, std::pair{"mean_min_bike", r.mean_min_bike},
                  std::pair{"mean_min_transit", r.mean_min_transit}, std::pair{"mean_min_car", r.mean_min_car}})
                if (!std::isnan(value)) amount(t, i, field, value);
            share(t, i, "replanning_share", r.replanning_share);
            share(t, i, "switched_share", r.switched_share);
            amount(t, i, "gap_util", r.gap_util);
            finite(t, i, "relative_gap", r.relative_gap);
            flag(t, i, "converged", r.converged);
            share(t, i, "travel_time_gap", r.travel_time_gap);
            share(t, i, "share_change", r.share_change);
        }
        for (std::size_t i = 0; i < s.lots.size(); ++i) {
            const char* t = "/lots";
            const LotRecord& r = s.lots[i];
            index(t, i, "stop", r.stop, l.stops.size(), "a stop of /lookup/stops");
            if (r.kind != core::access_bike_and_ride && r.kind != core::access_park_and_ride)
                refuse(t, i, "kind", fmt::format("{} is neither 1 (bike park) nor 2 (car park)", r.kind));
            if (r.peak > r.arrivals)
                refuse(t, i, "peak", fmt::format("{} is more than arrivals ({})", r.peak, r.arrivals));
            if (r.over_capacity > r.arrivals)
                refuse(t, i, "over_capacity",
                       fmt::format("{} is more than arrivals ({})", r.over_capacity, r.arrivals));
            moment(t, i, "full_from_s", r.full_from_s);
        }
    }

private:
    void place(const char* table, std::size_t row, double x, double y, double lat, double lon) const {
        finite(table, row, "x_m", x);
        finite(table, row, "y_m", y);
        if (!(lat >= -90 && lat <= 90)) refuse(table, row, "lat", fmt::format("{} is not a latitude", lat));
        if (!(lon >= -180 && lon <= 180)) refuse(table, row, "lon", fmt::format("{} is not a longitude", lon));
    }

    const Reader& m_reader;
};

}  // namespace

namespace {

template <class Trips, class Simulation>
void write_log(const std::filesystem::path& path, const TripLogMeta& meta, const Lookups& lookups, const Trips& trips,
               const std::vector<core::PersonRecord>& persons, const WriteOptions& options,
               const Simulation* simulation) {
    const hdf5::QuietErrors quiet;
    const std::filesystem::path tmp = core::temporary_path_for(path);
    // Declared before any handle, so the file is closed before the guard removes it.
    core::TemporaryFileGuard guard(tmp);
    try {
        const Storage storage{options.chunk_rows, options.compression_level, options.parallel_chunks};
        const MemberTypes mem(false);
        const MemberTypes disk(true);
        const hdf5::PropertyList fapl(H5Pcreate(H5P_FILE_ACCESS), "creating file access properties");
        check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_LATEST), "setting the format version");
        hdf5::File file = hdf5::create_file(tmp, fapl.get());
        {
            hdf5::Group root(H5Gopen2(file.get(), "/", H5P_DEFAULT), "opening the root group");
            write_meta(root.get(), meta, disk.text(), simulation != nullptr);
            root.close("closing the root group");
        }
        write_rows(file.get(), "trips", trip_fields, trips, mem, disk, storage);
        write_rows(file.get(), "persons", person_fields, persons, mem, disk, storage);
        write_lookups(file.get(), lookups, mem, disk, storage);
        if (simulation != nullptr) write_simulation(file.get(), *simulation, mem, disk, storage);
        file.close("closing (flushing) the file");
    } catch (const hdf5::Failure& e) {
        throw core::IoError("cannot write trip log " + path.string() + ": " + e.what());
    }
    core::commit_file(tmp, path);
    guard.release();
}

}  // namespace

void write_trip_log(const std::filesystem::path& path, const TripLogMeta& meta, const Lookups& lookups,
                    const std::vector<core::TripRecord>& trips, const std::vector<core::PersonRecord>& persons,
                    const WriteOptions& options, const SimulationTables* simulation) {
    write_log(path, meta, lookups, trips, persons, options, simulation);
}

void write_trip_log(const std::filesystem::path& path, const TripLogMeta& meta, const Lookups& lookups,
                    const RowSource<core::TripRecord>& trips, const std::vector<core::PersonRecord>& persons,
                    const WriteOptions& options, const SimulationSources* simulation) {
    write_log(path, meta, lookups, trips, persons, options, simulation);
}

TripLog read_trip_log(const std::filesystem::path& path) {
    const hdf5::QuietErrors quiet;
    const core::SourcePos pos{path.string(), 0, 0};
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw core::InputError(pos, "cannot open trip log",
                               std::filesystem::exists(path, ec) ? "not a regular file" : "no such file");
    const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
    if (is_hdf5 < 0) throw core::IoError("cannot read trip log " + path.string() + ": " + hdf5::take_detail());
    if (is_hdf5 == 0) throw core::InputError(pos, "not a flemsim trip log: not an HDF5 file");

    try {
        const Reader reader(path);
        const int version = reader.schema_version();
        if (version < 1 || version > 6)
            reader.refuse("trip log schema version " + std::to_string(version) +
                          " is not supported (this flemsim reads 1 to 6)");
        TripLog log;
        log.meta = reader.meta();
        reader.require({"/trips", "/persons", "/lookup", "/lookup/zones", "/lookup/stops", "/lookup/lines"});

        const MemberTypes mem(false);
        // Versions 1 and 2 have /trips without the fields appended later: the memory type
        // then leaves them out, and they read as 0.
        const std::span<const Field> trips_as_written =
            version < 6 ? std::span<const Field>(trip_fields_v5) : std::span<const Field>(trip_fields);
        const std::span<const Field> trip_columns = version == 1   ? trips_as_written.first(trip_field_count_v1)
                                                    : version == 2 ? trips_as_written.first(trip_field_count_v2)
                                                    : version == 3 ? trips_as_written.first(trip_field_count_v3)
                                                                   : trips_as_written;
        reader.read_rows<TripRecord>("/trips", trip_columns, mem.compound(trip_columns, sizeof(TripRecord)).get(),
                                     [&](const std::vector<TripRecord>& rows) { log.trips = rows; });
        for (std::size_t i = 0; i < log.trips.size(); ++i) {
            TripRecord& t = log.trips[i];
            if (version == 1) {
                // Set here, not left to the buffer: HDF5 may copy whole rows from a scratch
                // buffer, bytes of fields that the memory type lacks included.
                t.denied_boardings = 0;
                t.stuck = 0;
            }
            if (version < 3) t.gave_up = 0;
            if (version < 4) t.transit_access = core::access_walk;
        }
        reader.read_rows<PersonRecord>("/persons", person_fields,
                                       mem.compound(person_fields, sizeof(PersonRecord)).get(),
                                       [&](const std::vector<PersonRecord>& rows) { log.persons = rows; });

        reader.read_rows<ZoneRow>(
            "/lookup/zones", zone_fields, mem.compound(zone_fields, sizeof(ZoneRow)).get(),
            [&](const std::vector<ZoneRow>& rows) {
                for (const ZoneRow& r : rows)
                    log.lookups.zones.push_back(
                        {str_or_empty(r.id), str_or_empty(r.name), str_or_empty(r.kind), r.x_m, r.y_m, r.lat, r.lon});
            });
        reader.read_rows<StopRow>(
            "/lookup/stops", stop_fields, mem.compound(stop_fields, sizeof(StopRow)).get(),
            [&](const std::vector<StopRow>& rows) {
                for (const StopRow& r : rows)
                    log.lookups.stops.push_back({str_or_empty(r.id), str_or_empty(r.name), r.x_m, r.y_m, r.lat, r.lon});
            });
        reader.read_rows<LineRow>(
            "/lookup/lines", line_fields, mem.compound(line_fields, sizeof(LineRow)).get(),
            [&](const std::vector<LineRow>& rows) {
                for (const LineRow& r : rows)
                    log.lookups.lines.push_back({str_or_empty(r.id), str_or_empty(r.name), str_or_empty(r.mode)});
            });
        if (reader.exists("/lookup/links"))
            reader.read_rows<LinkRow>(
                "/lookup/links", link_fields, mem.compound(link_fields, sizeof(LinkRow)).get(),
                [&](const std::vector<LinkRow>& rows) {
                    for (const LinkRow& r : rows)
                        log.lookups.links.push_back({str_or_empty(r.id), str_or_empty(r.from), str_or_empty(r.to),
                                                     str_or_empty(r.type), str_or_empty(r.name), r.length_m,
                                                     r.capacity_veh_per_h});
                });

        // A simulated day: /legs and the three tables that come with it. A static run (and
        // every version-1 file) has none of them.
        log.has_simulation = reader.exists("/legs");
        reader.check_run_kind(log.has_simulation);
        if (log.has_simulation) {
            reader.require({"/link_volumes", "/transit_load", "/iterations"});
            SimulationTables& sim = log.simulation;
            const std::span<const Field> leg_columns =
                version < 6 ? std::span<const Field>(leg_fields_v5) : std::span<const Field>(leg_fields);
            reader.read_rows<LegRecord>("/legs", leg_columns, mem.compound(leg_columns, sizeof(LegRecord)).get(),
                                        [&](const std::vector<LegRecord>& rows) { sim.legs = rows; });
            reader.read_rows<LinkVolumeRecord>(
                "/link_volumes", link_volume_fields, mem.compound(link_volume_fields, sizeof(LinkVolumeRecord)).get(),
                [&](const std::vector<LinkVolumeRecord>& rows) { sim.link_volumes = rows; });
            const std::span<const Field> load_columns =
                version < 3 ? std::span<const Field>(transit_load_fields).first(transit_load_field_count_v2)
                            : std::span<const Field>(transit_load_fields);
            reader.read_rows<TransitLoadRecord>(
                "/transit_load", load_columns, mem.compound(load_columns, sizeof(TransitLoadRecord)).get(),
                [&](const std::vector<TransitLoadRecord>& rows) { sim.transit_load = rows; });
            if (version < 3)
                for (TransitLoadRecord& r : sim.transit_load) r.gave_up = 0;
            const std::span<const Field> iteration_columns =
                version < 3   ? std::span<const Field>(iteration_fields).first(iteration_field_count_v2)
                : version < 5 ? std::span<const Field>(iteration_fields).first(iteration_field_count_v4)
                              : std::span<const Field>(iteration_fields);
            reader.read_rows<IterationRecord>("/iterations", iteration_columns,
                                              mem.compound(iteration_columns, sizeof(IterationRecord)).get(),
                                              [&](const std::vector<IterationRecord>& rows) { sim.iterations = rows; });
            for (IterationRecord& r : sim.iterations) {
                if (version < 3) r.gave_up_trips = 0;
                if (version < 5) r.travel_time_gap = r.share_change = 0;
            }
            // Lots came with schema 4; older files have none.
            if (version >= 4) {
                reader.require({"/lots"});
                reader.read_rows<LotRecord>("/lots", lot_fields, mem.compound(lot_fields, sizeof(LotRecord)).get(),
                                            [&](const std::vector<LotRecord>& rows) { sim.lots = rows; });
            }
        }
        reader.check_names();
        const Checks checks(reader);
        checks.meta(log.meta);
        checks.lookups(log.lookups);
        checks.persons(log);
        checks.trips(log);
        checks.counts(log);
        if (log.has_simulation) checks.simulation(log);
        log.file = path;
        return log;
    } catch (const hdf5::Failure& e) {
        throw core::IoError("cannot read trip log " + path.string() + ": " + e.what());
    }
}

std::vector<unsigned char> read_dataset_bytes(const std::filesystem::path& path, const std::string& dataset) {
    const hdf5::QuietErrors quiet;
    const core::SourcePos pos{path.string(), 0, 0};
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw core::InputError(pos, "cannot open trip log", "no such file");
    try {
        const hdf5::File file = hdf5::open_file_read(path);
        if (H5Lexists(file.get(), dataset.c_str(), H5P_DEFAULT) <= 0) {
            H5Eclear2(H5E_DEFAULT);
            throw core::InputError(pos, "trip log has no " + dataset);
        }
        hdf5::Dataset dset(H5Dopen2(file.get(), dataset.c_str(), H5P_DEFAULT), "opening dataset " + dataset);
        // The file type as memory type: no conversion, the bytes as stored. Variable-length
        // members would come back as addresses, so this is for fixed-size tables.
        hdf5::Datatype type(H5Dget_type(dset.get()), "getting the type of " + dataset);
        hdf5::Dataspace space(H5Dget_space(dset.get()), "getting the dataspace of " + dataset);
        const hssize_t points = H5Sget_simple_extent_npoints(space.get());
        const std::size_t row_size = H5Tget_size(type.get());
        if (points < 0 || row_size == 0) fail("getting the size of " + dataset);
        std::vector<unsigned char> bytes(static_cast<std::size_t>(points) * row_size);
        if (!bytes.empty())
            check(H5Dread(dset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()),
                  "reading dataset " + dataset);
        return bytes;
    } catch (const hdf5::Failure& e) {
        throw core::IoError("cannot read " + dataset + " from " + path.string() + ": " + e.what());
    }
}

}  // namespace flemsim::output
