#!/usr/bin/env python3
"""Generate the schematic Flemingsberg network tables (network format 1).

    python3 networks/flemingsberg/generate.py [OUTDIR]          # (re)write the tables
    python3 networks/flemingsberg/generate.py --check [OUTDIR]  # read them back and verify invariants
    python3 networks/flemingsberg/generate.py --check --demand TRIPS.h5  # and the gateway roads against a run

OUTDIR defaults to this script's folder. Standard library only (h5py for --demand). The output is deterministic:
one fixed random seed, no iteration over hashed sets, fixed number formatting.

The facts (places, railway, crossings, lines, run times, headways) are the tables below. Each
entry says where it comes from: "fact sheet" is the project's FLEMINGSBERG.md, "programme" is the
2017 programme "Flemingsberg 2050" (Stockholms läns landsting, Huddinge and Botkyrka), and
"assumption" marks a value chosen by judgement that a planner should replace when better data
exists. The street mesh itself is schematic (a jittered grid aligned to the railway); a real
street layout would come from an OSM import. See README.md for the format.
"""
import heapq
import math
import os
import random
import sys

SEED = 20170515                  # fixed: same bytes every run
ORIGIN_LAT, ORIGIN_LON = 59.2180, 17.9457   # Flemingsberg station (fact sheet)
M_PER_DEG_LAT = 110574.0
M_PER_DEG_LON = math.cos(math.radians(ORIGIN_LAT)) * 111320.0


def xy(lat, lon):
    """The generator's working plane: local equirectangular, metres east and north of the origin.
    It is 0.74 % short north to south and 0.19 % east to west at 59.2 N, so the tables are
    written in SWEREF 99 TM (to_crs below) and the lengths of the links laid out here are
    scaled to it."""
    return ((lon - ORIGIN_LON) * M_PER_DEG_LON, (lat - ORIGIN_LAT) * M_PER_DEG_LAT)


def lat_lon(x, y):
    """WGS84 of a point of the working plane (the inverse of xy)."""
    return (ORIGIN_LAT + y / M_PER_DEG_LAT, ORIGIN_LON + x / M_PER_DEG_LON)


# SWEREF 99 TM (EPSG:3006): transverse Mercator on GRS 80, central meridian 15 E, scale 0.9996,
# false easting 500,000 m; Krueger's series as Lantmaeteriet publishes them ("Gauss Conformal
# Projection (Transverse Mercator): Krueger's formulas"). Within a millimetre of PROJ here
# (tests/network/test_flemingsberg_network.sh checks it against gdaltransform).
CRS = "EPSG:3006"


def sweref99tm(lat, lon):
    """(easting, northing) in metres of a WGS84 point (GRS 80 and WGS 84 agree well below 1 mm)."""
    a, f = 6378137.0, 1.0 / 298.257222101
    lon0, k0, fn, fe = math.radians(15.0), 0.9996, 0.0, 500000.0
    e2 = f * (2.0 - f)
    n = f / (2.0 - f)
    a_roof = a / (1.0 + n) * (1.0 + n * n / 4.0 + n ** 4 / 64.0)
    A = e2
    B = (5.0 * e2 ** 2 - e2 ** 3) / 6.0
    C = (104.0 * e2 ** 3 - 45.0 * e2 ** 4) / 120.0
    D = 1237.0 * e2 ** 4 / 1260.0
    beta = (n / 2.0 - 2.0 * n * n / 3.0 + 5.0 * n ** 3 / 16.0 + 41.0 * n ** 4 / 180.0,
            13.0 * n * n / 48.0 - 3.0 * n ** 3 / 5.0 + 557.0 * n ** 4 / 1440.0,
            61.0 * n ** 3 / 240.0 - 103.0 * n ** 4 / 140.0,
            49561.0 * n ** 4 / 161280.0)
    phi, lam = math.radians(lat), math.radians(lon)
    s = math.sin(phi)
    phi_star = phi - s * math.cos(phi) * (A + B * s * s + C * s ** 4 + D * s ** 6)
    dlam = lam - lon0
    xi = math.atan(math.tan(phi_star) / math.cos(dlam))
    eta = math.atanh(math.cos(phi_star) * math.sin(dlam))
    north = xi + sum(b * math.sin(2 * k * xi) * math.cosh(2 * k * eta) for k, b in enumerate(beta, 1))
    east = eta + sum(b * math.cos(2 * k * xi) * math.sinh(2 * k * eta) for k, b in enumerate(beta, 1))
    return (k0 * a_roof * east + fe, k0 * a_roof * north + fn)


def to_crs(x, y):
    """A point of the working plane in the tables' CRS."""
    return sweref99tm(*lat_lon(x, y))


# ----------------------------------------------------------------------------------------------
# Mesh parameters (all assumption: a schematic street grid, not a survey)
MESH_RADIUS_M = 2900         # "about 3 km around the station" (programme); Huddinge centrum just outside
GRID_SPACING_M = 68          # street-node spacing; with removed links gives blocks of ~70 x 140 m
GRID_ANGLE_DEG = 40          # grid axis: mean direction of the railway through the area
JITTER_M = 9                 # random displacement of grid nodes
RAIL_CLEARANCE_M = 30        # no street node closer than this to the railway
ZONE_MAX_DIST_M = 1300       # nodes farther than this from every zone seed on their side carry no zone
CORE_RADIUS_M = 1000         # the core's zones lie within this of the station (fact sheet: "a core ... within about 1 km")
STATION_XY = (0.0, 0.0)      # the working plane's origin: Flemingsberg station
# The one walk the fact sheet measures (Hälsovägen 11A, KTH: 719 m, 9 min from the station), which
# --check compares with the mesh's walk from the platform: a schematic mesh within 10 % of it.
FACT_WALK_TO = (59.2221, 17.9385, 719)
FACT_WALK_TOLERANCE = 0.10

# Road classes: car speed (km/h), lanes, capacity (veh/h per direction). Assumption.
ROAD_CLASS = {
    "primary": (60, 2, 1800),
    "secondary": (40, 1, 900),
    "tertiary": (40, 1, 700),
    "residential": (30, 1, 500),
    "service": (20, 1, 300),
}

# The railway (Grödingebanan / Västra stambanan), south-west to north-east: a barrier for every mode.
RAILWAY = [  # (name, lat, lon, source)
    ("Tumba station", 59.1995, 17.8384, "fact sheet"),
    ("Tullinge station", 59.2057, 17.9053, "fact sheet"),
    ("Flemingsberg station", 59.2180, 17.9457, "fact sheet"),
    ("Flemingsberg SL platform", 59.2190, 17.9472, "fact sheet"),
    ("Huddinge station", 59.2357, 17.9780, "fact sheet"),
    ("Stuvsta station", 59.2547, 17.9972, "fact sheet"),
]
RAIL_ORIGIN_INDEX = 2  # arc length s is measured from Flemingsberg station, + toward Huddinge

# Crossings of the railway: the only links allowed to cross it. `at` is either a railway vertex
# name or s (metres along the railway from Flemingsberg station, + north-east, - south-west).
# A crossing with a stop gets a middle node on the railway (the platform) that is the stop node.
CROSSINGS = [  # (id, at, type, modes, name, stop, source)
    ("flemingsberg_passage", "Flemingsberg SL platform", "station_passage", "walk|bike",
     "Stationspassagen Flemingsberg", "flemingsberg",
     "platform position fact sheet; passage with landings on both sides: assumption"),
    ("flemingsbergsvagen", 600, "secondary", "walk|bike|car", "Flemingsbergsvägen", None,
     "assumption: road underpass north-east of the station toward the hospital and Huddinge"),
    ("visattra_bridge", -450, "cycleway", "walk|bike", "Gång- och cykelbro Visättra", None,
     "assumption: walk and bike bridge between Södertörns högskola/Grantorp and Visättra"),
    ("tullinge_road", -2000, "secondary", "walk|bike|car", "", None,
     "assumption: road crossing north-east of Tullinge station"),
    ("tullinge_passage", "Tullinge station", "station_passage", "walk|bike",
     "Stationspassagen Tullinge", "tullinge", "station position fact sheet; passage: assumption"),
    ("huddinge_road", 2250, "secondary", "walk|bike|car", "", None,
     "assumption: road crossing south-west of Huddinge station"),
    ("huddinge_passage", "Huddinge station", "station_passage", "walk|bike",
     "Stationspassagen Huddinge", "huddinge", "station position fact sheet; passage: assumption"),
]

# Areas without streets, polygons in projected metres (schematic extents, assumption).
# Flemingsbergsskogen (956 ha) lies south of the railway: it stretches from Flemingsbergsviken
# (the inner bay of lake Orlången) to Gladö kvarn and borders Botkyrka (Tullinge) in the west
# (Länsstyrelsen Stockholm and Huddinge kommun reserve descriptions). Gömmaren (660 ha) lies
# north-west (fact sheet: 59.2558, 17.9264, mostly outside the mesh).
NO_STREET_AREAS = {
    "Flemingsbergsskogen": [(-1000, -1550), (-500, -760), (150, -660), (700, -860), (1150, -1100),
                            (2100, -2000), (2100, -3200), (-1000, -3200)],
    "Flemingsbergsviken": [(1000, -650), (1250, -580), (3300, -2450), (2950, -2850), (1050, -900)],
    "Gömmaren": [(-2100, 2100), (-1100, 2250), (-350, 2600), (-200, 3200), (-2100, 3200)],
}
# Footpaths through those areas (walk|bike, type path); the ends join the nearest street node.
NATURE_PATHS = [
    [(200, -560), (-200, -1100), (-700, -1500), (-1150, -1500)],
    [(650, -700), (450, -1500), (-200, -2200), (-1100, -1900)],
    [(-700, 2330), (-800, 2600), (-1300, 2500), (-1700, 2350), (-1780, 2040)],
]

# Main roads, routed along the grid through these points (x_m, y_m) or crossings (by id).
# Alignments are schematic (assumption); names are the real roads they stand for.
MAIN_ROADS = [  # (name, class, waypoints)
    ("Huddingevägen", "primary", [(-2450, -1600), (-1200, -1050), (250, -420), (1300, 400), (2150, 1850)]),
    ("Lännavägen", "primary", [(1300, 400), (2450, -700)]),
    # Hälsovägen: two lanes each way (assumption: Spårväg Syd is planned "along the middle of
    # Hälsovägen", fact sheet, a road with a median); it carries the E4/E20 traffic into the area.
    ("Hälsovägen", "primary", [(-100, 150), (-420, 450), (-500, 1000), (-650, 2000), (-700, 2820)]),
    ("Alfred Nobels allé", "secondary", [(-1000, -300), (-100, 150), (350, 650)]),
    ("Flemingsbergsvägen", "secondary", [(900, 90), "flemingsbergsvagen", (150, 850), (-480, 820)]),
    ("Glömstavägen", "secondary", [(-650, 2000), (400, 2250), "huddinge_road", (2150, 1850)]),
    ("", "secondary", [(-1000, -300), (-1500, -700), "tullinge_road", (-1600, -1250)]),
    ("", "tertiary", [(-1500, -700), (-2150, -760), (-2500, -600)]),
    ("Visättravägen", "tertiary", [(250, -420), (320, -150), (230, 40)]),
    ("", "tertiary", [(-1000, -300), (-900, 300), (-1000, 700), (-500, 1000)]),
    ("", "tertiary", [(1650, 1800), (1000, 2400)]),
    ("", "tertiary", [(1300, 400), (1400, 1000), (1900, 1650)]),
]
CAMPUS_CAR_FREE = [(-387, 531, 230), (-239, 133, 180)]  # (x, y, radius): partly car-free campus (assumption)
HOSPITAL_SERVICE = (-40, 575, 260)                      # hospital service streets (assumption)

# Study zones: (id, name, lat, lon, source of the seed position). Nodes take the zone of the
# nearest seed on their side of the railway.
STUDY_ZONES = [
    ("station_core", "Flemingsbergs station och nya centrum", 59.2197, 17.9478,
     "assumption: between the SL platform and the bus terminal (programme: new centre at the station)"),
    ("sodertorns_hogskola", "Södertörns högskola", 59.2192, 17.9415,
     "assumption: west of Alfred Nobels allé 20 (fact sheet 59.2187, 17.9445)"),
    ("rattscentrum", "Rättscentrum (tingsrätt och polishus)", 59.2222, 17.9500,
     "assumption: next to the station (fact sheet: court and police house next to the station)"),
    ("campus_flemingsberg", "Campus Flemingsberg (KI och KTH)", 59.2228, 17.9389,
     "fact sheet: Hälsovägen 11A 59.2221, 17.9385 and Röntgenvägen 59.2234, 17.9393"),
    ("karolinska_huddinge", "Karolinska universitetssjukhuset Huddinge", 59.2232, 17.9450,
     "assumption"),
    ("novum", "Novum och Blickagången", 59.2255, 17.9490, "assumption"),
    ("halsovagen", "Hälsovägen", 59.2265, 17.9365, "assumption"),
    ("grantorp", "Grantorp", 59.2200, 17.9310, "assumption (fact sheet: west Flemingsberg)"),
    ("grantorp_norra", "Norra Grantorp", 59.2240, 17.9270, "assumption"),
    ("bjornkulla", "Björnkulla", 59.2310, 17.9410, "assumption"),
    ("glomstadalen", "Glömstadalen", 59.2340, 17.9480, "assumption"),
    ("glomsta", "Glömsta", 59.2380, 17.9330, "assumption"),
    ("fullersta", "Fullersta", 59.2400, 17.9640, "assumption"),
    ("tullingeberg", "Tullingeberg", 59.2110, 17.9080, "assumption"),
    ("flemingsbergs_centrum", "Flemingsbergs centrum (Ebba Bååts torg)", 59.2187, 17.9493, "fact sheet"),
    ("flemingsbergsdalen", "Flemingsbergsdalen", 59.2205, 17.9565, "assumption"),
    ("visattra", "Visättra", 59.2150, 17.9520,
     "assumption: south-east of Visättravägen (fact sheet 59.2170, 17.9500)"),
    ("vistaberg", "Vistaberg", 59.2270, 17.9700, "assumption"),
    ("sjodalen", "Sjödalen (Huddinge station)", 59.2330, 17.9790, "assumption"),
    ("tullinge_centrum", "Tullinge centrum", 59.2045, 17.9075, "assumption (fact sheet: Tullinge station)"),
    ("tullinge_villastad", "Tullinge villastad", 59.2080, 17.9250, "assumption"),
    ("visattra_syd", "Visättra syd", 59.2120, 17.9420, "assumption"),
]

# Pull of a zone seed (distance is divided by it): the small zones of the dense core reach a
# little farther (assumption; default 1), but not beyond CORE_RADIUS_M of the station (CORE_ZONES).
ZONE_PULL = {"station_core": 1.7, "rattscentrum": 1.25, "karolinska_huddinge": 1.25,
             "flemingsbergs_centrum": 1.3, "campus_flemingsberg": 1.1}
# The core's zones, which take no node beyond CORE_RADIUS_M of the station: the fact sheet's "core
# (the station, campus, hospital, court and the new centre, within about 1 km)". Those with a pull,
# Södertörns högskola (a university of the campus) and Novum (the research park at the hospital).
CORE_ZONES = set(ZONE_PULL) | {"sodertorns_hogskola", "novum"}

# Gateway zones: the rest of the region. Each has a road hub, its centroid at the real place,
# where the regional roads (car) from mesh exit points and the optional regional cycleway end; a
# road length and mean speed stand for the whole trip from the edge of the mesh. Each station the
# zone lists gets an access point of its own (see ACCESS_* below): people of the zone live and work
# around the hub and around each of its stations, not all at one point 5-9 km from some of them.
# Access walks within a gateway station's catchment: the mean walk to the stop of those who walk
# to it. Tennøy, Knapskog and Wolday (2022, Transportation Research Part D; surveys at stops and of
# commuters in four Norwegian cities of 28,000 to 1,020,000 inhabitants) measured means of 528-688 m
# to railway stations and 328-520 m to local stops, longer in the larger cities. Stockholm is larger
# than any city surveyed, so its gateways take the top of each range: STATION_WALK_M to a railway or
# metro station, LOCAL_STOP_WALK_M to a bus stop (a feeder stop too, FEEDER_WALK_M below). Until a
# regional survey's walks to these stations (Stockholm's RVU) replace them.
STATION_WALK_M = 690
LOCAL_STOP_WALK_M = 520

GATEWAYS = [
    # id, name, (lat, lon, source of the centroid), modes, regional roads [(mesh exit x_m, y_m,
    # road length m, mean car speed km/h for the whole leg, name)], regional cycleway (exit x_m,
    # y_m, length m) or None, stations [(stop id, access walk m, access road km/h)]. Road lengths
    # and speeds, cycleway lengths and access road speeds are assumptions (typical
    # road distances, checked to exceed the straight line, and mean free-flow speeds for the trip
    # from the edge of the mesh: motorway stretches at 90-110 km/h, urban arterials at 50-70, so
    # 70-80 for a mostly motorway leg, 50 for one through Huddinge; the peak's congestion is the
    # simulation's to add, not the table's; the access walks are STATION_WALK_M and
    # LOCAL_STOP_WALK_M, observed means (above); an access road speed is the mean over the local
    # streets and roads from the station's catchment to the hub: 30 in a town or city centre, 40-60
    # between suburbs).
    ("stockholm_city", "Stockholm City", (59.3300, 18.0573, "fact sheet: Stockholm C"), "car|transit",
     [(-700, 2820, 18500, 75, "Hälsovägen - E4/E20 - Essingeleden"),
      (2150, 1850, 16500, 50, "Huddingevägen via Huddinge och Årsta")],
     None, [("stockholm_city", STATION_WALK_M, 30), ("stockholm_c", STATION_WALK_M, 30)]),
    ("stockholms_sodra", "Stockholms södra och Södermalm", (59.3140, 18.0700, "assumption"), "car|transit",
     [(-700, 2820, 16500, 75, "E4/E20 via Kungens kurva"),
      (2150, 1850, 14500, 50, "Huddingevägen via Huddinge")],
     None, [("stockholms_sodra", STATION_WALK_M, 30)]),
    # Farsta strand: from most of the zone (Älvsjö and the southern suburbs) it is reached by bus, a
    # feeder leg the network does not model (assumption); its access point stands for its own
    # catchment in Farsta, reached on foot.
    ("alvsjo", "Älvsjö", (59.2786, 18.0113, "fact sheet"), "bike|car|transit",
     [(2150, 1850, 7500, 50, "Huddingevägen via Stuvsta")],
     (2150, 1850, 7000), [("alvsjo", STATION_WALK_M, 30), ("farsta_strand", STATION_WALK_M, 50)]),
    ("huddinge", "Huddinge", (59.2372, 17.9820, "fact sheet: Huddinge centrum"), "bike|car|transit",
     [(2150, 1850, 900, 50, "Huddingevägen")],
     (2150, 1850, 800), [("huddinge_centrum", LOCAL_STOP_WALK_M, 30), ("stuvsta", STATION_WALK_M, 40),
                        ("huddinge", STATION_WALK_M, 30)]),
    ("skarholmen", "Skärholmen och Kungens kurva", (59.2770, 17.9080, "assumption"), "bike|car|transit",
     [(-700, 2820, 5500, 60, "Glömstavägen - E4/E20")],
     (-700, 2820, 5000), [("skarholmen", STATION_WALK_M, 30)]),
    # Norsborg (metro): from Tumba and most of Botkyrka it is reached by bus (172 and others), a
    # feeder leg not modelled (assumption); its access point is Hallunda-Norsborg on foot.
    ("tumba", "Tumba och Botkyrka", (59.1995, 17.8384, "fact sheet: Tumba station"), "bike|car|transit",
     [(-2500, -1450, 5000, 60, "Huddingevägen mot Tumba")],
     (-2500, -1450, 4500), [("tumba", STATION_WALK_M, 30), ("norsborg", STATION_WALK_M, 50)]),
    # Södertälje syd lies outside the town: from most of Södertälje it is reached by bus, a feeder
    # leg not modelled (assumption); its access point is its own catchment on foot.
    ("sodertalje", "Södertälje", (59.1955, 17.6253, "assumption: Södertälje centrum"), "car|transit",
     [(-2500, -1450, 22000, 80, "Tumba - E4/E20")],
     None, [("sodertalje_c", STATION_WALK_M, 30), ("sodertalje_syd", STATION_WALK_M, 60)]),
    ("haninge", "Haninge och Skogås", (59.1686, 18.1446, "assumption: Handen"), "car|transit",
     [(2450, -700, 14500, 75, "Lännavägen (väg 259) via Länna")],
     None, [("handen", STATION_WALK_M, 30), ("skogas", STATION_WALK_M, 60)]),
]
# Where the regional roads meet the area: the end of the main road (MAIN_ROADS, primary or
# secondary) nearest to the road's mesh exit, never a residential street, so that a gateway's
# traffic enters on an arterial (Huddingevägen for Tumba and Södertälje, Lännavägen for Haninge,
# Hälsovägen for the E4/E20, Huddingevägen and Glömstavägen toward Huddinge; assumption: the
# alignments are schematic). --check: at every such junction the arterials' capacity away from it
# (per direction) is at least the base-year peak-hour demand of the regional roads that meet
# there, and so is each gateway's regional road capacity (GATEWAY_PEAK_CARS).
JUNCTION_CLASSES = ("primary", "secondary")
# Base-year (2017) peak-hour car demand per gateway, vehicles an hour in its busier direction on
# its regional roads together: from flemsim's simulated 2017 day (`flemsim run
# scenarios/flemingsberg-2017.yaml`, the trip log's link volumes of the busiest hour), rounded up
# to 50. Measure again after a change of land use or network with
# `generate.py --check --demand out/flemingsberg-2017/trips.h5`.
GATEWAY_PEAK_CARS = {"rr_stockholm_city_1": 700, "rr_stockholm_city_2": 50, "rr_stockholms_sodra_1": 350,
                     "rr_stockholms_sodra_2": 50, "rr_alvsjo_1": 250, "rr_huddinge_1": 650, "rr_skarholmen_1": 450,
                     "rr_tumba_1": 350, "rr_sodertalje_1": 150, "rr_haninge_1": 200}
CONNECTOR_DETOUR = 1.25   # a walk connector is at least 1.25 x the straight line (assumption)
# Access points (assumption). A gateway's access point for a station lies on the far side of the
# station as seen from Flemingsberg station, access walk / CONNECTOR_DETOUR from it (the station's
# own catchment, away from the study area), joined to the station by a walk connector of the access
# walk and to the hub by an access road (car, and bike where the zone has bike) of
# ACCESS_ROAD_DETOUR x the straight line at the station's access road speed, so a car or bike from
# there still takes the regional road or cycleway from the hub. The hub itself keeps a walk
# connector (max(access walk, 1.25 x straight line)) only to the stations within HUB_WALK_MAX_M:
# a walk of 5-9 km to a distant station is no access anyone takes.
ACCESS_ROAD_DETOUR = 1.3       # local roads, assumption (the beeline detour factor is 1.3-1.8, fact sheet)
ACCESS_ROAD_LANES, ACCESS_ROAD_CAP = 2, 3600   # as the regional roads: the access road stands for a catchment's roads
HUB_WALK_MAX_M = 2000
ACCESS_MAX_WALK_M = 1500       # --check: every listed station has an access point within this walk
WALK_CONNECTOR_MAX_M = 2000    # --check: no walk connector is longer

# Parking at stations for bike-and-ride and park-and-ride (stops.csv bike_parking, car_parking:
# spaces). The fact sheet gives no counts: every figure is an assumption of the order of the
# commuter parking and bike stands at these stations, to be replaced by counts (SL, Trafikförvaltningen
# and the municipalities' infartsparkering lists). Bus stops and the inner-city stations (Stockholm C,
# City, Södra: nobody parks there to ride out of town) have none.
STATION_PARKING = {  # stop id: (bike spaces, car spaces)
    "flemingsberg": (600, 150),
    "huddinge": (400, 60),
    "tullinge": (500, 250),
    "stuvsta": (250, 50),
    "tumba": (400, 300),
    "alvsjo": (500, 100),
    "farsta_strand": (250, 150),
    "skogas": (300, 200),
    "handen": (400, 300),
    "sodertalje_c": (300, 0),
    "sodertalje_syd": (200, 400),
    "norsborg": (200, 250),
    "skarholmen": (200, 100),
}
# Where the parked car or bike is: the routing puts a stop's car park at the node nearest to it on
# foot that cars can both enter and leave, and its bike park likewise for bikes; the walk from there
# is part of the access. --check: that node is within LOT_MAX_WALK_M on foot of every stop with
# spaces (assumption: the far end of a station's commuter car park; a bike stand is at the entrance).
# On the mesh the platforms have a street within that walk. A gateway station has its own node off
# the mesh, and its only roads were its access point's (then a walk of 0.8-1.2 km away, the middle
# of the catchment) and the hub's: park-and-ride there would have been a drive to the catchment and a 1 km
# walk. The real commuter car parks of these stations (Tumba, Handen, Södertälje syd, ...) adjoin
# the station and are reached by the same local roads as the rest of the catchment, so
# add_station_parks gives each such station a car park node of its own, `park_<stop>`, on the
# catchment side of the station LOT_WALK_M / CONNECTOR_DETOUR from it: a car park access road
# `cp_<gateway>_<stop>` from the access point (ACCESS_ROAD_DETOUR x the straight line, the access
# road's speed, lanes and capacity: the same local roads as the access road) and a walk (and bike)
# path `cw_<gateway>_<stop>` of LOT_WALK_M to the station, the mean walk from a lot reaching
# LOT_MAX_WALK_M. Bikes take the road too and park at the station's entrance (0 m); a station with
# bike spaces only gets a bike link `cp_<gateway>_<stop>` from its access point to the station.
# Neither carries walking: the access walk stays the walk connector. In the gateways whose modes
# lack bike (Södertälje, Haninge) no trip bikes, so their stands are reached by no one yet; they
# are there for when the zone gets bike. The spurs are dead ends: no other path changes.
LOT_MAX_WALK_M = 200
LOT_WALK_M = 100
# Whether stops.csv has the parking columns (optional there); False writes the three-column table
# that loaders without parking read.
WRITE_PARKING = True

# Stops. kind "crossing": the middle node of that crossing; "mesh": nearest street node on the
# same side of the railway; "gateway": an own node off the mesh joined by a connector.
STOPS = [  # (id, name, lat, lon, kind, source)
    ("flemingsberg", "Flemingsberg", 59.2190, 17.9472, "crossing", "fact sheet (SL platform)"),
    ("tullinge", "Tullinge", 59.2057, 17.9053, "crossing", "fact sheet"),
    ("huddinge", "Huddinge", 59.2357, 17.9780, "crossing", "fact sheet"),
    ("flemingsbergs_station", "Flemingsbergs station", 59.2209, 17.9483, "mesh", "fact sheet"),
    ("huddinge_sjukhus", "Huddinge sjukhus", 59.2232, 17.9462, "mesh", "stop area: fact sheet; position: assumption"),
    ("blickagangen", "Blickagången", 59.2248, 17.9490, "mesh", "stop area: fact sheet; position: assumption"),
    ("diagnosvagen", "Diagnosvägen", 59.2245, 17.9425, "mesh", "stop area: fact sheet; position: assumption"),
    ("ortopedvagen", "Ortopedvägen", 59.2262, 17.9400, "mesh", "stop area: fact sheet; position: assumption"),
    ("halsovagen", "Hälsovägen", 59.2218, 17.9375, "mesh", "stop area: fact sheet; position: assumption"),
    ("sodertorns_hogskola", "Södertörns högskola", 59.2190, 17.9430, "mesh",
     "stop area: fact sheet; position: assumption (Alfred Nobels allé)"),
    ("flemingsbergs_centrum", "Flemingsbergs centrum", 59.2185, 17.9500, "mesh",
     "stop area: fact sheet; position: assumption"),
    ("visattra", "Visättra", 59.2160, 17.9515, "mesh", "assumption"),
    ("grantorp", "Grantorp", 59.2205, 17.9300, "mesh", "assumption"),
    ("tullinge_centrum", "Tullinge centrum", 59.2048, 17.9085, "mesh", "assumption"),
    ("bjornkulla", "Björnkulla", 59.2305, 17.9405, "mesh", "assumption"),
    ("glomsta", "Glömsta", 59.2375, 17.9335, "mesh", "assumption"),
    ("huddinge_centrum", "Huddinge centrum", 59.2372, 17.9820, "gateway", "fact sheet"),
    ("stuvsta", "Stuvsta", 59.2547, 17.9972, "gateway", "fact sheet"),
    ("alvsjo", "Älvsjö", 59.2786, 18.0113, "gateway", "fact sheet"),
    ("stockholms_sodra", "Stockholms södra", 59.3129, 18.0637, "gateway", "assumption"),
    ("stockholm_city", "Stockholm City", 59.3310, 18.0590, "gateway", "assumption"),
    ("stockholm_c", "Stockholm C", 59.3300, 18.0573, "gateway", "fact sheet"),
    ("tumba", "Tumba", 59.1995, 17.8384, "gateway", "fact sheet"),
    ("sodertalje_c", "Södertälje C", 59.1933, 17.6262, "gateway", "assumption"),
    ("sodertalje_syd", "Södertälje syd", 59.1634, 17.6455, "gateway", "fact sheet"),
    ("farsta_strand", "Farsta strand", 59.2351, 18.1015, "gateway", "assumption"),
    ("skogas", "Skogås", 59.2178, 18.1545, "gateway", "assumption"),
    ("handen", "Handen", 59.1690, 18.1420, "gateway", "assumption"),
    ("norsborg", "Norsborg", 59.2437, 17.8323, "gateway", "assumption"),
    ("skarholmen", "Skärholmen", 59.2770, 17.9080, "gateway", "assumption"),
]

VEHICLES = [  # (id, name, seated, standing) -- all assumption
    ("x60_2units", "Pendeltåg X60 två enheter", 748, 1052),
    ("regional_2units", "Regionaltåg dubbeldäckare två enheter", 600, 240),
    ("bus_articulated", "Ledbuss 18 m", 50, 80),
    ("bus_standard", "Buss 12 m", 36, 44),
    ("metro_c20", "Tunnelbanetåg C20 två enheter", 252, 576),
]

BUS_SPEED_KPH = 25.0          # mean on the mesh incl. traffic (assumption)
BUS_REGIONAL_SPEED_KPH = 40.0  # on regional roads (assumption)
BUS_DWELL_S = 20               # assumption
# Intermediate bus stops (see time_lines): along a bus line's road path on the mesh a stop about
# every STOP_SPACING_M, none closer than STOP_MIN_GAP_M on foot to another stop of the same line
# (on foot, not in a straight line: two stops on either side of the railway serve different
# streets however close they are). 400 m: the middle of the 300-500 m that SL's urban bus lines
# in Huddinge and Botkyrka keep between stops (assumption: the usual spacing, not a survey of
# these streets). A stop snaps to a street node of the path within STOP_SNAP_M of its target,
# preferring a node that is already another line's stop, so lines on one street share stops.
STOP_SPACING_M = 400
STOP_MIN_GAP_M = 250
STOP_SNAP_M = 120
CHECK_STOP_GAP_M = 200          # --check: no two stops of a line closer on foot
CHECK_BUS_SEGMENT_M = 700       # --check: no bus segment on the mesh longer (road path)
RAIL_DWELL_S = 30              # assumption

# Lines: (id, name, mode, vehicle, stops). A stop entry is (stop id, minutes from the previous
# stop) with minutes None for bus segments computed from the road path, or a number (source in
# the comment). Every line also runs the reverse way with the same times (the loader makes it).
LINES = [
    ("pendel_40_41", "Pendeltåg 40/41", "rail", "x60_2units", [
        ("sodertalje_c", 0), ("tumba", 17),   # assumption
        ("tullinge", 4), ("flemingsberg", 3), ("huddinge", 3), ("stuvsta", 3), ("alvsjo", 3),
        ("stockholms_sodra", 6), ("stockholm_city", 4)]),   # fact sheet (2014 run times)
    ("pendel_43", "Pendeltåg 43", "rail", "x60_2units", [
        ("alvsjo", 0), ("farsta_strand", 7), ("skogas", 6), ("handen", 6)]),   # assumption
    ("regional", "Regionaltåg", "rail", "regional_2units", [
        ("sodertalje_syd", 0), ("flemingsberg", 11), ("stockholm_c", 11)]),   # fact sheet
    ("bus_172", "Buss 172", "bus", "bus_articulated", [
        ("huddinge_centrum", 0), ("huddinge_sjukhus", None), ("flemingsbergs_station", None),
        ("halsovagen", None), ("grantorp", None), ("norsborg", "172_norsborg")]),
    ("bus_742", "Buss 742", "bus", "bus_standard", [
        ("skogas", 0), ("huddinge_centrum", 14),   # assumption
        ("flemingsbergs_station", None), ("huddinge_sjukhus", None)]),
    ("bus_711", "Buss 711", "bus", "bus_standard", [
        ("tullinge_centrum", 0), ("grantorp", None), ("sodertorns_hogskola", None),
        ("flemingsbergs_station", None), ("huddinge_sjukhus", None)]),
    ("bus_726", "Buss 726", "bus", "bus_standard", [
        ("glomsta", 0), ("bjornkulla", None), ("ortopedvagen", None), ("diagnosvagen", None),
        ("halsovagen", None), ("sodertorns_hogskola", None), ("flemingsbergs_station", None),
        ("flemingsbergs_centrum", None), ("visattra", None)]),
    ("bus_712", "Buss 712", "bus", "bus_standard", [
        ("huddinge_centrum", 0), ("blickagangen", None), ("huddinge_sjukhus", None),
        ("flemingsbergs_station", None), ("flemingsbergs_centrum", None), ("visattra", None)]),
    ("bus_865", "Buss 865", "bus", "bus_standard", [
        ("handen", 0), ("huddinge_centrum", 20),   # assumption
        ("flemingsbergs_station", None), ("halsovagen", None), ("bjornkulla", None),
        ("glomsta", None), ("skarholmen", None)]),
]
BUS_172_FLEMINGSBERG_NORSBORG_MIN = 28   # fact sheet: about 28 min Flemingsberg -> Norsborg
REGIONAL_DWELL_FLEMINGSBERG_S = 60       # assumption

# Headways: (line, [(from, to, headway minutes)]), times HH:MM, [from, to).
HEADWAYS = [
    ("pendel_40_41", [("05:00", "06:00", 15), ("06:00", "09:00", 7.5), ("09:00", "14:00", 15),
                      ("14:00", "19:00", 7.5), ("19:00", "22:00", 15), ("22:00", "25:00", 30)]),
    # fact sheet: 8/h 06-09 and 14-19, 4/h off-peak, 2/h late evening; 05-06 and 22-01: assumption
    ("pendel_43", [("05:00", "24:00", 15)]),                      # assumption
    ("regional", [("06:00", "21:00", 30)]),                       # fact sheet "roughly 2/h"; hours assumption
    ("bus_172", [("05:00", "06:00", 15), ("06:00", "09:00", 10), ("09:00", "15:00", 15),
                 ("15:00", "18:00", 10), ("18:00", "24:00", 15)]),
    # fact sheet: 10 min headway (itself marked assumption); 15 min off-peak and the hours: assumption
    ("bus_742", [("06:00", "09:00", 15), ("09:00", "15:00", 30), ("15:00", "18:00", 15),
                 ("18:00", "22:00", 30)]),                        # assumption (15-30 min)
    ("bus_711", [("06:00", "09:00", 15), ("09:00", "15:00", 30), ("15:00", "18:00", 15),
                 ("18:00", "21:00", 30)]),                        # assumption
    ("bus_726", [("06:00", "09:00", 15), ("09:00", "15:00", 30), ("15:00", "18:00", 15),
                 ("18:00", "22:00", 30)]),                        # assumption
    ("bus_712", [("06:00", "22:00", 30)]),                        # assumption
    ("bus_865", [("06:00", "20:00", 30)]),                        # assumption
]

# Feeders (assumption). A gateway zone is a whole part of the region; its access points (see
# ACCESS_* above) stand for the catchments within a walk of its stations. Most of its people live
# and work farther out and reach the station by a local bus (or, in the inner city, the metro):
# Botkyrka by bus to Tumba, Haninge to Handen, Södertälje to Södertälje C, the inner city by
# tunnelbana to T-Centralen and City. Each gateway therefore has one feeder catchment too: a
# feeder stop FEEDER_DIST_M beyond its main station (as seen from Flemingsberg station; 3 km, about
# the mean distance of a catchment 1-5 km out) with an access point of its own a walk of
# FEEDER_WALK_M away (the mean walk to a local stop, LOCAL_STOP_WALK_M above; it was 500 m, the
# median walk to a bus stop in Melbourne's VISTA survey), and a feeder line from it to the
# station. Its access road to the hub is that of any access point, so a car or bike from there
# still takes the regional road. People of the zone are placed at its nodes in equal shares, the
# feeder catchment's access point among them. Run times: a bus at BUS_SPEED_KPH over
# ACCESS_ROAD_DETOUR x the straight line; the metro FEEDER_METRO_MIN. Headways: SL's local trunk
# buses in these suburbs run about every 10 min in the peaks, 15 by day and 20 in the evening,
# the metro every 5 min most of the day (assumption: the usual pattern, not these lines'
# timetables; replace with the feed).
FEEDER_DIST_M = 3000
FEEDER_WALK_M = LOCAL_STOP_WALK_M
FEEDER_METRO_MIN = 6
FEEDERS = [  # (gateway, station, mode, vehicle, name)
    ("stockholm_city", "stockholm_city", "rail", "metro_c20", "Tunnelbana till T-Centralen"),
    ("stockholms_sodra", "stockholms_sodra", "bus", "bus_standard", "Matarbuss Stockholms södra"),
    ("alvsjo", "alvsjo", "bus", "bus_standard", "Matarbuss Älvsjö"),
    ("huddinge", "huddinge", "bus", "bus_standard", "Matarbuss Huddinge"),
    ("skarholmen", "skarholmen", "bus", "bus_standard", "Matarbuss Skärholmen"),
    ("tumba", "tumba", "bus", "bus_standard", "Matarbuss Tumba"),
    ("sodertalje", "sodertalje_c", "bus", "bus_standard", "Matarbuss Södertälje C"),
    ("haninge", "handen", "bus", "bus_standard", "Matarbuss Handen"),
]
FEEDER_HEADWAYS = {
    "bus": [("05:00", "06:00", 20), ("06:00", "09:00", 10), ("09:00", "15:00", 15), ("15:00", "18:00", 10),
            ("18:00", "24:00", 20), ("24:00", "25:00", 30)],
    "rail": [("05:00", "06:00", 10), ("06:00", "19:00", 5), ("19:00", "25:00", 10)],
}


def add_feeders():
    """Expand FEEDERS into the tables: for each, a stop `f_<station>` (an own node off the mesh),
    the gateway's listing of it (so it gets an access point FEEDER_WALK_M away and an access road
    to the hub), a line `feeder_<station>` from it to the station, and its headways."""
    global GATEWAYS
    stop_info = {s[0]: s for s in STOPS}
    gateways = {g[0]: g for g in GATEWAYS}
    for gid, sid, mode, veh, name in FEEDERS:
        _, sname, slat, slon, _, _ = stop_info[sid]
        sx, sy = xy(slat, slon)
        r = math.hypot(sx, sy)
        flat, flon = lat_lon(sx + sx / r * FEEDER_DIST_M, sy + sy / r * FEEDER_DIST_M)
        fid = "f_" + sid
        STOPS.append((fid, "%s matarhållplats" % sname, round(flat, 4), round(flon, 4), "gateway", "assumption"))
        g = gateways[gid]
        road_kph = [s for s in g[6] if s[0] == sid][0][2]
        gateways[gid] = g[:6] + (g[6] + [(fid, FEEDER_WALK_M, road_kph)],)
        minutes = FEEDER_METRO_MIN if mode == "rail" else \
            round(ACCESS_ROAD_DETOUR * FEEDER_DIST_M / (BUS_SPEED_KPH / 3.6) / 60)
        LINES.append(("feeder_" + sid, name, mode, veh, [(fid, 0), (sid, minutes)]))
        HEADWAYS.append(("feeder_" + sid, FEEDER_HEADWAYS[mode]))
    GATEWAYS = [gateways[g[0]] for g in GATEWAYS]


add_feeders()

FILES = ["network.yaml", "nodes.csv", "links.csv", "zones.csv", "stops.csv", "vehicles.csv",
         "lines.csv", "line_stops.csv", "headways.csv"]
MESH_TYPES = {"primary", "secondary", "tertiary", "residential", "service", "path", "footway",
              "cycleway", "station_passage", "motorway"}


# ----------------------------------------------------------------------------------------------
# Geometry
def dist(a, b):
    return math.hypot(a[0] - b[0], a[1] - b[1])


def seg_point_dist(p, a, b):
    dx, dy = b[0] - a[0], b[1] - a[1]
    L2 = dx * dx + dy * dy
    t = 0.0 if L2 == 0 else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / L2))
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


def cross(o, a, b):
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def segments_intersect(p1, p2, q1, q2):
    d1, d2 = cross(q1, q2, p1), cross(q1, q2, p2)
    d3, d4 = cross(p1, p2, q1), cross(p1, p2, q2)
    if ((d1 > 0) != (d2 > 0)) and d1 != 0 and d2 != 0 and ((d3 > 0) != (d4 > 0)) and d3 != 0 and d4 != 0:
        return True
    for d, a, b, c in ((d1, q1, q2, p1), (d2, q1, q2, p2), (d3, p1, p2, q1), (d4, p1, p2, q2)):
        if d == 0 and min(a[0], b[0]) <= c[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= c[1] <= max(a[1], b[1]):
            return True
    return False


def in_polygon(p, poly):
    inside = False
    j = len(poly) - 1
    for i in range(len(poly)):
        (xi, yi), (xj, yj) = poly[i], poly[j]
        if (yi > p[1]) != (yj > p[1]) and p[0] < (xj - xi) * (p[1] - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


RAIL = [xy(lat, lon) for _, lat, lon, _ in RAILWAY]
RAIL_S = [0.0]
for _i in range(1, len(RAIL)):
    RAIL_S.append(RAIL_S[-1] + dist(RAIL[_i - 1], RAIL[_i]))
RAIL_S = [s - RAIL_S[RAIL_ORIGIN_INDEX] for s in RAIL_S]


def rail_dist(p):
    return min(seg_point_dist(p, RAIL[i], RAIL[i + 1]) for i in range(len(RAIL) - 1))


def rail_side(p):
    """+1 north-west of the railway, -1 south-east (side of the nearest railway segment)."""
    best = min(range(len(RAIL) - 1), key=lambda i: seg_point_dist(p, RAIL[i], RAIL[i + 1]))
    return 1 if cross(RAIL[best], RAIL[best + 1], p) > 0 else -1


def rail_at(s):
    """Point at arc length s and the unit normal pointing north-west."""
    for i in range(len(RAIL) - 1):
        if RAIL_S[i] <= s <= RAIL_S[i + 1] or i == len(RAIL) - 2:
            a, b = RAIL[i], RAIL[i + 1]
            L = RAIL_S[i + 1] - RAIL_S[i]
            t = (s - RAIL_S[i]) / L
            ux, uy = (b[0] - a[0]) / L, (b[1] - a[1]) / L
            return (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])), (-uy, ux)
    raise ValueError(s)


def crosses_rail(a, b):
    return any(segments_intersect(a, b, RAIL[i], RAIL[i + 1]) for i in range(len(RAIL) - 1))


def up10(v):
    """Round a length up to 0.1 m (so it is never shorter than the straight line)."""
    return math.ceil(v * 10 - 1e-9) / 10


def fmt(v):
    s = "%.1f" % v
    return "0.0" if s == "-0.0" else s


# ----------------------------------------------------------------------------------------------
# Graph helpers (nodes are integers, links are dicts)
def adjacency(n_nodes, links, mode, weight="len"):
    adj = [[] for _ in range(n_nodes)]
    for k, l in enumerate(links):
        if mode not in l["modes"]:
            continue
        w = l["len"] if weight == "len" else weight(l)
        adj[l["a"]].append((l["b"], w, k))
        if l["oneway"] == "no" or mode == "walk":
            adj[l["b"]].append((l["a"], w, k))
    return adj


def dijkstra(adj, src, dst=None):
    distv = {src: 0.0}
    prev = {}
    heap = [(0.0, src)]
    while heap:
        d, u = heapq.heappop(heap)
        if d > distv.get(u, math.inf):
            continue
        if u == dst:
            break
        for v, w, k in adj[u]:
            nd = d + w
            if nd < distv.get(v, math.inf):
                distv[v] = nd
                prev[v] = (u, k)
                heapq.heappush(heap, (nd, v))
    return distv, prev


def within(adj, src, limit):
    """Distances from src to the nodes closer than limit (a Dijkstra cut off there)."""
    distv = {src: 0.0}
    heap = [(0.0, src)]
    while heap:
        d, u = heapq.heappop(heap)
        if d > distv[u]:
            continue
        for v, w, _ in adj[u]:
            nd = d + w
            if nd < limit and nd < distv.get(v, math.inf):
                distv[v] = nd
                heapq.heappush(heap, (nd, v))
    return distv


def path_links(prev, src, dst):
    out = []
    while dst != src:
        dst, k = prev[dst]
        out.append(k)
    return out[::-1]


def reach(adj, srcs):
    seen = set(srcs)
    stack = list(srcs)
    while stack:
        u = stack.pop()
        for v, _, _ in adj[u]:
            if v not in seen:
                seen.add(v)
                stack.append(v)
    return seen


def strong_core(n_nodes, links, mode, root):
    """Nodes that can reach root and be reached from it by `mode`."""
    fwd = adjacency(n_nodes, links, mode)
    rev = [[] for _ in range(n_nodes)]
    for u in range(n_nodes):
        for v, w, k in fwd[u]:
            rev[v].append((u, w, k))
    return reach(fwd, [root]) & reach(rev, [root])


# ----------------------------------------------------------------------------------------------
# Build, in named steps. main() runs them in this order; the order matters, as every step draws
# from the one random stream (SEED) and later steps read what earlier ones made.
class Network:
    """The network under construction: nodes (coordinates and kind), links (dicts) and what the
    steps hand to each other. Nodes and links are integers: their position in these lists."""

    def __init__(self):
        self.rng = random.Random(SEED)
        self.X, self.Y, self.kind = [], [], []   # node coordinates, kind: mesh/trail/platform/gateway/access/stop/lot
        self.links = []
        self.grid = {}              # (i, j) -> node of the street grid
        self.mesh_nodes = []        # the grid's nodes, sorted
        self.crossing_nodes = {}    # crossing id -> (nw landing, se landing, middle node or None)
        self.root = None            # the Flemingsberg platform: what is kept must be walk-connected to it
        self.zone_of = {}           # node -> zone id
        self.centroid = {}          # zone id -> node
        self.stop_node = {}         # stop id -> node
        self.order = []             # nodes written, in order
        self.new_id = {}            # node -> id in the tables
        self.line_rows = []         # rows of line_stops.csv
        self.gateway_nodes = []     # gateway hubs and access points, in the order made
        self.access_of = {}         # access point node -> (gateway id, stop id)
        self.extra_stops = []       # intermediate bus stops: (id, name, node)
        self.lot_of = {}            # station car park node -> stop id

    def add_node(self, p, k):
        self.X.append(round(p[0], 1))
        self.Y.append(round(p[1], 1))
        self.kind.append(k)
        return len(self.X) - 1

    def P(self, n):
        return (self.X[n], self.Y[n])

    def add_link(self, a, b, typ, modes, name="", length=None, oneway="no", speed=None, lanes=None, cap=None,
                 role="mesh", detour=1.0):
        geometric = length is None  # laid out in the working plane: scaled to SWEREF 99 TM when written
        if length is None:
            length = up10(dist(self.P(a), self.P(b)) * detour)
        if "car" in modes and speed is None:
            speed, lanes, cap = ROAD_CLASS[typ]
        self.links.append(dict(a=a, b=b, len=length, geometric=geometric, type=typ, modes=modes, oneway=oneway,
                               speed=speed,
                               lanes=lanes, cap=cap, name=name, role=role, protected=False, crossing=None,
                               dir=None))
        return len(self.links) - 1

    def nearest(self, p, pool, side=None):
        best, bd = None, math.inf
        for n in pool:
            if side is not None and rail_side(self.P(n)) != side:
                continue
            d = dist(p, self.P(n))
            if d < bd:
                best, bd = n, d
        return best


def lay_street_grid(net):
    """Step 1: a jittered grid aligned to the railway, clipped to the disk and the street areas,
    with a residential street between neighbouring grid nodes that does not cross the railway
    or run through a nature area."""
    rng, X, Y, grid = net.rng, net.X, net.Y, net.grid
    th = math.radians(GRID_ANGLE_DEG)
    eu, ev = (math.cos(th), math.sin(th)), (-math.sin(th), math.cos(th))
    m = int(MESH_RADIUS_M / GRID_SPACING_M) + 2
    for i in range(-m, m + 1):
        for j in range(-m, m + 1):
            jx, jy = rng.uniform(-JITTER_M, JITTER_M), rng.uniform(-JITTER_M, JITTER_M)
            p = (GRID_SPACING_M * (i * eu[0] + j * ev[0]) + jx, GRID_SPACING_M * (i * eu[1] + j * ev[1]) + jy)
            if math.hypot(*p) > MESH_RADIUS_M or rail_dist(p) < RAIL_CLEARANCE_M:
                continue
            if any(in_polygon(p, poly) for poly in NO_STREET_AREAS.values()):
                continue
            grid[(i, j)] = net.add_node(p, "mesh")

    for (i, j), a in sorted(grid.items()):
        for di, dj, d in ((1, 0, "u"), (0, 1, "v")):
            b = grid.get((i + di, j + dj))
            if b is None:
                continue
            mid = ((X[a] + X[b]) / 2, (Y[a] + Y[b]) / 2)
            if crosses_rail(net.P(a), net.P(b)) or any(in_polygon(mid, poly) for poly in NO_STREET_AREAS.values()):
                continue
            k = net.add_link(a, b, "residential", "walk|bike|car", detour=1.0 + rng.uniform(0, 0.04))
            net.links[k]["dir"] = (d, i)

    net.mesh_nodes = sorted(grid.values())


def add_crossings(net):
    """Step 2: the crossings of the railway, from the nearest grid node on one side to the nearest
    on the other; a crossing with a stop gets a middle node on the railway (the platform)."""
    links, mesh_nodes = net.links, net.mesh_nodes
    for cid, at, typ, modes, name, stop, _src in CROSSINGS:
        s = RAIL_S[[r[0] for r in RAILWAY].index(at)] if isinstance(at, str) else at
        c, n = rail_at(s)
        nw = net.nearest((c[0] + 60 * n[0], c[1] + 60 * n[1]), mesh_nodes, +1)
        se = net.nearest((c[0] - 60 * n[0], c[1] - 60 * n[1]), mesh_nodes, -1)
        mid = None
        if stop:
            mid = net.add_node(c, "platform")
            for a, b in ((nw, mid), (mid, se)):
                k = net.add_link(a, b, typ, modes, name, length=up10(dist(net.P(a), net.P(b)) + 15), role="crossing")
                links[k].update(protected=True, crossing=cid)
        else:
            k = net.add_link(nw, se, typ, modes, name, role="crossing", detour=1.05)
            links[k].update(protected=True, crossing=cid)
        net.crossing_nodes[cid] = (nw, se, mid)


def smooth_corners(net, path, start):
    """A staircase corner A-B-C of the grid on `path` (links from node `start`) replaced by the
    block diagonal A-C, a new street, where that crosses neither the railway nor a nature area."""
    links, P = net.links, net.P
    seq = [start]
    for k in path:
        l = links[k]
        seq.append(l["b"] if l["a"] == seq[-1] else l["a"])
    out, i = [], 0
    while i < len(path):
        if i + 1 < len(path) and links[path[i]]["role"] == links[path[i + 1]]["role"] == "mesh":
            A, B, C = P(seq[i]), P(seq[i + 1]), P(seq[i + 2])
            cosang = ((B[0] - A[0]) * (C[0] - B[0]) + (B[1] - A[1]) * (C[1] - B[1])) / (dist(A, B) * dist(B, C))
            mid = ((A[0] + C[0]) / 2, (A[1] + C[1]) / 2)
            if abs(cosang) < 0.5 and not crosses_rail(A, C) and \
                    not any(in_polygon(mid, poly) for poly in NO_STREET_AREAS.values()):
                k = net.add_link(seq[i], seq[i + 2], "residential", "walk|bike|car",
                                 detour=1.0 + net.rng.uniform(0, 0.02))
                links[k]["dir"] = ("d", 0)
                out.append(k)
                i += 2
                continue
        out.append(path[i])
        i += 1
    return out


def route_main_roads(net):
    """Step 3: the main roads, routed along the grid hugging the straight segments between their
    waypoints (corners smoothed); the first road to take a link keeps it."""
    X, Y, links, P, mesh_nodes = net.X, net.Y, net.links, net.P, net.mesh_nodes
    n_all = len(X)
    for name, cls, wps in MAIN_ROADS:
        pts = []   # sequence of nodes
        for w in wps:
            if isinstance(w, str):
                nw, se, _ = net.crossing_nodes[w]
                prev_side = rail_side(P(pts[-1]))
                pts += [nw, se] if prev_side > 0 else [se, nw]
            else:
                pts.append(net.nearest(w, mesh_nodes, rail_side(w)))
        for a, b in zip(pts, pts[1:]):
            if a == b:
                continue
            pa, pb = P(a), P(b)
            adj = adjacency(n_all, links, "car", weight=lambda l: l["len"] * (
                1 + seg_point_dist(((X[l["a"]] + X[l["b"]]) / 2, (Y[l["a"]] + Y[l["b"]]) / 2), pa, pb) / 40))
            _, prev = dijkstra(adj, a, b)
            for k in smooth_corners(net, path_links(prev, a, b), a):
                l = links[k]
                if l["protected"] and l["role"] == "mesh":
                    continue   # keep the first (more important) road's class
                sp, ln, cp = ROAD_CLASS[cls]
                if l["role"] == "mesh":
                    l.update(type=cls)
                l.update(speed=sp, lanes=ln, cap=cp, protected=True, name=name or l["name"])


def cut_blocks(net):
    """Step 4: blocks and cul-de-sacs. Grid streets that no main road took are removed at random;
    some removed ones stay as footways or cycleways. Returns the removed links."""
    X, Y, rng = net.X, net.Y, net.rng
    removed = []
    for k, l in enumerate(net.links):
        if l["protected"] or l["role"] != "mesh":
            continue
        d, i = l["dir"]
        p_remove = 0.65 if (d == "v" and i % 2) else 0.25
        pa = ((X[l["a"]] + X[l["b"]]) / 2, (Y[l["a"]] + Y[l["b"]]) / 2)
        if any(dist(pa, (cx, cy)) < r for cx, cy, r in CAMPUS_CAR_FREE):
            p_remove = max(p_remove, 0.45)
        if rng.random() < p_remove:
            r = rng.random()
            if r < 0.25:
                l.update(type="footway", modes="walk|bike", speed=None, lanes=None, cap=None)
            elif r < 0.35:
                l.update(type="cycleway", modes="walk|bike", speed=None, lanes=None, cap=None)
            else:
                l["type"] = None   # deleted
            removed.append(k)
        elif dist(pa, HOSPITAL_SERVICE[:2]) < HOSPITAL_SERVICE[2]:
            sp, ln, cp = ROAD_CLASS["service"]
            l.update(type="service", speed=sp, lanes=ln, cap=cp)
    return removed


def repair_car_connectivity(net, removed):
    """Step 4, continued: re-open removed links as streets until every grid node is
    car-connected, then drop the links still deleted."""
    links = net.links

    def car_component():
        live = [l for l in links if l["type"] is not None]
        return reach(adjacency(len(net.X), live, "car"), [net.crossing_nodes["flemingsberg_passage"][0]])

    while True:
        comp = car_component()
        changed = False
        for k in removed:
            l = links[k]
            if (l["type"] is None or "car" not in l["modes"]) and ((l["a"] in comp) != (l["b"] in comp)):
                sp, ln, cp = ROAD_CLASS["residential"]
                l.update(type="residential", modes="walk|bike|car", speed=sp, lanes=ln, cap=cp)
                changed = True
                comp = comp | {l["a"], l["b"]}
        if not changed:
            break
    links[:] = [l for l in links if l["type"] is not None]


def add_nature_paths(net):
    """Step 5: footpaths through the nature areas, nodes about every 150 m, the ends joined to the
    nearest street node."""
    for pts in NATURE_PATHS:
        a = net.nearest(pts[0], net.mesh_nodes)
        chain = [a]
        for p, q in zip(pts, pts[1:]):
            steps = max(1, int(dist(p, q) // 150))
            for t in range(1, steps + 1):
                if (q is pts[-1]) and t == steps:
                    break
                chain.append(net.add_node((p[0] + (q[0] - p[0]) * t / steps, p[1] + (q[1] - p[1]) * t / steps),
                                          "trail"))
        chain.append(net.nearest(pts[-1], net.mesh_nodes))
        for a, b in zip(chain, chain[1:]):
            net.add_link(a, b, "path", "walk|bike", detour=1.15)


def add_one_way_streets(net):
    """Step 6: a few one-way streets, each kept only where car and bike stay strongly connected."""
    links = net.links
    cand = [k for k, l in enumerate(links) if l["type"] == "residential" and l["role"] == "mesh"]
    for k in sorted(net.rng.sample(cand, 40)):
        l = links[k]
        l["oneway"] = "yes"
        ok = True
        for mode in ("car", "bike"):
            adj = adjacency(len(net.X), links, mode)
            if l["a"] not in reach(adj, [l["b"]]):
                ok = False
        if not ok:
            l["oneway"] = "no"


def assign_zones(net):
    """Steps 7 and 8: a grid node usable by walk, bike and car (in the part connected to the
    station area) takes the zone of the nearest seed on its side of the railway, within
    ZONE_MAX_DIST_M; a zone's centroid is its node nearest the seed."""
    X, links, P, mesh_nodes = net.X, net.links, net.P, net.mesh_nodes
    root = net.root = net.crossing_nodes["flemingsberg_passage"][2]
    walk_core = reach(adjacency(len(X), links, "walk"), [root])
    car_core = strong_core(len(X), links, "car", net.crossing_nodes["flemingsberg_passage"][0])
    bike_core = strong_core(len(X), links, "bike", root)

    zone_of = net.zone_of
    seeds = []
    for zid, name, lat, lon, _src in STUDY_ZONES:
        p = xy(lat, lon)
        seeds.append((zid, p, rail_side(p)))
    for n in mesh_nodes:
        if n not in car_core or n not in bike_core or n not in walk_core:
            continue
        # Among the seeds on its side within ZONE_MAX_DIST_M (the straight line), the nearest
        # after the pull. The pull once also stretched the distance limit: station_core took
        # nodes 1.7 km from the station (a median walk of 1.7 km to its platform).
        side = rail_side(P(n))
        # The dense core's zones (CORE_ZONES) take no node beyond CORE_RADIUS_M of the station:
        # with the pull they still took nodes 1.2-1.7 km from it, half way to Huddinge, and Novum
        # (no pull) nodes 1.5 km on foot from its stop.
        near = [(dist(P(n), p) / ZONE_PULL.get(zid, 1.0), zid) for zid, p, s in seeds
                if s == side and dist(P(n), p) <= ZONE_MAX_DIST_M
                and (zid not in CORE_ZONES or dist(P(n), STATION_XY) <= CORE_RADIUS_M)]
        if near:
            zone_of[n] = min(near)[1]
    for zid, p, _ in seeds:
        members = [n for n in mesh_nodes if zone_of.get(n) == zid]
        net.centroid[zid] = min(members, key=lambda n: (dist(P(n), p), n))


def add_stops_and_gateways(net):
    """Step 9: stop nodes (platforms, nearest zone node, or own nodes off the mesh), and the
    gateway zones: the hub (centroid) with its regional roads, cycleway and walk connectors to the
    stations near it, and one access point per listed station (see ACCESS_ROAD_DETOUR)."""
    P, zone_of, centroid, stop_node = net.P, net.zone_of, net.centroid, net.stop_node
    stop_info = {s[0]: s for s in STOPS}
    for cid, at, typ, modes, name, stop, _src in CROSSINGS:
        if stop:
            stop_node[stop] = net.crossing_nodes[cid][2]
    zone_node_pool = sorted(zone_of)
    arterial_nodes = sorted({n for l in net.links if l["type"] in JUNCTION_CLASSES and "car" in l["modes"]
                             for n in (l["a"], l["b"]) if n in zone_of})
    for sid, name, lat, lon, k, _src in STOPS:
        if k == "mesh":
            p = xy(lat, lon)
            stop_node[sid] = net.nearest(p, zone_node_pool, rail_side(p))
    for gid, gname, (lat, lon, _src), modes, roads, cyc, gstops in GATEWAYS:
        g = net.add_node(xy(lat, lon), "gateway")
        zone_of[g] = gid
        centroid[gid] = g
        net.gateway_nodes.append(g)
        for ex, ey, length, kph, rname in roads:
            e = net.nearest((ex, ey), arterial_nodes, rail_side((ex, ey)))
            net.add_link(e, g, "regional_road", "car", rname, length=float(length), speed=kph,
                         lanes=2, cap=3600, role="regional")
        if cyc:
            e = net.nearest(cyc[:2], zone_node_pool, rail_side(cyc[:2]))
            net.add_link(e, g, "regional_cycleway", "bike", "", length=float(cyc[2]), role="regional")
        road_modes = "bike|car" if "bike" in modes.split("|") else "car"
        for sid, access, road_kph in gstops:
            if sid not in stop_node:
                _, sname, slat, slon, sk, _ = stop_info[sid]
                stop_node[sid] = net.add_node(xy(slat, slon), "stop")
            s = stop_node[sid]
            hub_walk = up10(max(access, CONNECTOR_DETOUR * dist(P(g), P(s))))
            if hub_walk <= HUB_WALK_MAX_M:
                k = net.add_link(g, s, "connector", "walk", "", length=hub_walk, role="connector")
                net.links[k]["lid"] = "c_%s_%s" % (gid, sid if stop_info[sid][4] == "gateway" else "platform_" + sid)
            ps = P(s)
            r = math.hypot(*ps)
            off = access / CONNECTOR_DETOUR
            a = net.add_node((ps[0] + ps[0] / r * off, ps[1] + ps[1] / r * off), "access")
            zone_of[a] = gid
            net.access_of[a] = (gid, sid)
            net.gateway_nodes.append(a)
            k = net.add_link(a, s, "connector", "walk", "", length=float(access), role="connector")
            net.links[k]["lid"] = "ca_%s_%s" % (gid, sid)
            k = net.add_link(a, g, "connector", road_modes, "", length=up10(ACCESS_ROAD_DETOUR * dist(P(a), P(g))),
                             speed=road_kph, lanes=ACCESS_ROAD_LANES, cap=ACCESS_ROAD_CAP, role="connector")
            net.links[k]["lid"] = "cr_%s_%s" % (gid, sid)


def park_walks(n_nodes, links, mode, walk, src, limit=math.inf):
    """The walk from node src to the nearest node that `mode` can both enter and leave by a link of
    its own (where the routing puts a stop's car or bike park), within limit; math.inf if none."""
    ins, outs = set(), set()
    for l in links:
        if mode in l["modes"]:
            outs.add(l["a"])
            ins.add(l["b"])
            if l["oneway"] == "no":
                outs.add(l["b"])
                ins.add(l["a"])
    ok = ins & outs
    dv = within(walk, src, limit) if limit < math.inf else dijkstra(walk, src)[0]
    return min((d for n, d in dv.items() if n in ok), default=math.inf)


def add_station_parks(net):
    """Step 9b: a car park (and bike access) for every station with spaces whose node has no car
    (bike) links both ways within LOT_MAX_WALK_M on foot (see LOT_MAX_WALK_M). Made after every
    other node and link, so the ids and rows before them do not change."""
    P, stop_node = net.P, net.stop_node
    access_point = {v: a for a, v in net.access_of.items()}
    walk = adjacency(len(net.X), net.links, "walk")
    placed = set()
    for gid, _, _, _, _, _, gstops in GATEWAYS:
        for sid, _, road_kph in gstops:
            bike, car = STATION_PARKING.get(sid, (0, 0))
            s = stop_node[sid]
            need = [m for m, spaces in (("bike", bike), ("car", car))
                    if spaces and park_walks(len(net.X), net.links, m, walk, s, LOT_MAX_WALK_M + 1e-6) > LOT_MAX_WALK_M]
            if not need:
                continue
            placed.add(sid)
            a = access_point[(gid, sid)]
            if "car" not in need:
                k = net.add_link(a, s, "connector", "bike", "", detour=ACCESS_ROAD_DETOUR, role="connector")
                net.links[k]["lid"] = "cp_%s_%s" % (gid, sid)
                continue
            ps, pa = P(s), P(a)
            off = LOT_WALK_M / CONNECTOR_DETOUR / dist(ps, pa)
            lot = net.add_node((ps[0] + (pa[0] - ps[0]) * off, ps[1] + (pa[1] - ps[1]) * off), "lot")
            net.lot_of[lot] = sid
            road = "bike|car" if bike else "car"
            k = net.add_link(a, lot, "connector", road, "", detour=ACCESS_ROAD_DETOUR, speed=road_kph,
                             lanes=ACCESS_ROAD_LANES, cap=ACCESS_ROAD_CAP, role="connector")
            net.links[k]["lid"] = "cp_%s_%s" % (gid, sid)
            k = net.add_link(lot, s, "connector", "walk|bike" if bike else "walk", "", length=float(LOT_WALK_M),
                             role="connector")
            net.links[k]["lid"] = "cw_%s_%s" % (gid, sid)
    # A station outside the gateways (on the mesh) has no access point to build from: its streets
    # must be near enough already.
    for sid, (bike, car) in sorted(STATION_PARKING.items()):
        for m, spaces in (("bike", bike), ("car", car)):
            if sid not in placed and spaces and \
                    park_walks(len(net.X), net.links, m, walk, stop_node[sid], LOT_MAX_WALK_M + 1e-6) > LOT_MAX_WALK_M:
                raise SystemExit("station %s: no node with %s links both ways within %d m on foot" % (
                    sid, m, LOT_MAX_WALK_M))


def renumber(net):
    """Drops the nodes (and their links) not walk-connected to the station area or a gateway node, and
    gives the rest their ids: n0001..., platform_<stop>, gw_<zone>, gw_<zone>_<stop> (access
    points), stop_<stop>, park_<stop> (station car parks). Gateway nodes and car parks are made
    last, so the mesh ids do not depend on them."""
    kind, zone_of, stop_node = net.kind, net.zone_of, net.stop_node
    keep = reach(adjacency(len(net.X), net.links, "walk"), [net.root] + net.gateway_nodes)
    net.order = order = [n for n in range(len(net.X)) if n in keep]
    net.new_id = new_id = {n: "n%04d" % (i + 1) for i, n in enumerate(order)}
    for n in order:
        if kind[n] == "platform":
            new_id[n] = "platform_" + [c[5] for c in CROSSINGS if net.crossing_nodes[c[0]][2] == n][0]
        elif kind[n] == "gateway":
            new_id[n] = "gw_" + zone_of[n]
        elif kind[n] == "access":
            new_id[n] = "gw_%s_%s" % net.access_of[n]
        elif kind[n] == "stop":
            new_id[n] = "stop_" + [s for s, v in stop_node.items() if v == n][0]
        elif kind[n] == "lot":
            new_id[n] = "park_" + net.lot_of[n]
    net.links = [l for l in net.links if l["a"] in keep and l["b"] in keep]


def time_lines(net):
    """Step 10: run and dwell times of every line, and the intermediate bus stops. Bus run times
    come from the car path on the mesh (a gateway stop counts from its zone's centroid). Along that
    path, on the mesh part of every bus segment with a stop on the mesh, a stop is placed about
    every STOP_SPACING_M (see there); where the path leaves the mesh for a regional road, the last
    mesh node gets a stop. The segment's run time is split over its pieces in proportion to their
    time on the path, and every intermediate stop adds BUS_DWELL_S, as a real stop does."""
    links, centroid, stop_node, P = net.links, net.centroid, net.stop_node, net.P
    stop_info = {s[0]: s for s in STOPS}

    def anchor(sid):
        for gid, _, _, _, _, _, gst in GATEWAYS:
            if sid in [s[0] for s in gst] and stop_info[sid][4] == "gateway":
                return centroid[gid]
        return stop_node[sid]

    car_time = adjacency(len(net.X), links, "car", weight=lambda l: l["len"] / (l["speed"] / 3.6))

    def bus_link_s(l):
        v = BUS_REGIONAL_SPEED_KPH if l["type"] == "regional_road" else BUS_SPEED_KPH
        return l["len"] / (v / 3.6)

    def bus_path(a, b):
        """The car path of a bus between two stops: its nodes and links."""
        _, prev = dijkstra(car_time, anchor(a), anchor(b))
        ks = path_links(prev, anchor(a), anchor(b))
        nodes = [anchor(a)]
        for k in ks:
            l = links[k]
            nodes.append(l["b"] if l["a"] == nodes[-1] else l["a"])
        return nodes, ks

    def bus_seconds(a, b):
        return max(60, int(round(sum(bus_link_s(links[k]) for k in bus_path(a, b)[1]))))

    # Stops by node: the named mesh stops first, so a line passing one stops there.
    stop_at = {}
    for sid, _, _, _, k, _ in STOPS:
        if k == "mesh":
            stop_at.setdefault(stop_node[sid], sid)
    zone_pool = sorted(n for n, z in net.zone_of.items() if net.kind[n] == "mesh")
    zone_names = {z[0]: z[1].split(" (")[0] for z in STUDY_ZONES}
    per_zone, names_used = {}, {s[1] for s in STOPS}
    net.extra_stops = []

    def new_stop(n, street):
        z = net.zone_of.get(n) or net.zone_of[net.nearest(P(n), zone_pool, rail_side(P(n)))]
        c = per_zone[z] = per_zone.get(z, 0) + 1
        name = street if street and street not in names_used else "%s %d" % (zone_names[z], c)
        names_used.add(name)
        sid = "b_%s_%d" % (z, c)
        net.extra_stops.append((sid, name, n))
        stop_node[sid] = n
        stop_at[n] = sid
        return sid

    walk = adjacency(len(net.X), links, "walk")
    near = {}

    def near_on_foot(n, gap):
        """The nodes within gap of node n on foot."""
        if (n, gap) not in near:
            near[(n, gap)] = set(within(walk, n, gap))
        return near[(n, gap)]

    def place_stops(nodes, ks, line_nodes, fixed_start, fixed_end):
        """Intermediate stops on the mesh part of a segment's path: [(index in nodes, stop id)]."""
        mesh = [links[k]["role"] in ("mesh", "crossing") for k in ks]
        i0, i1 = 0, len(ks)          # the mesh part: nodes[i0..i1]
        if not fixed_start:          # from a gateway: the part after the regional road
            i0 = i1
            while i0 > 0 and mesh[i0 - 1]:
                i0 -= 1
        elif not fixed_end:          # to a gateway: the part before it
            i1 = 0
            while i1 < len(ks) and mesh[i1]:
                i1 += 1
        if i1 - i0 < 1:
            return []
        s = [0.0]
        for k in ks[i0:i1]:
            s.append(s[-1] + links[k]["len"])
        length = s[-1]
        m = max(0, math.ceil(length / STOP_SPACING_M - 1e-9))
        if fixed_start and fixed_end:
            targets = [length * j / m for j in range(1, m)] if m > 1 else []
        elif fixed_start:
            targets = [length * j / m for j in range(1, m + 1)]
        else:
            targets = [length * j / m for j in range(0, m)]
        taken = set(line_nodes)

        def pick(t, snap, gap):
            """The path node for a stop at t metres: an existing stop first, then one not within
            STOP_SNAP_M on foot of another line's stop, then the nearest to t; within snap of t and
            not within gap on foot of another stop of the line."""
            best = None
            for j in range(i0, i1 + 1):
                off = abs(s[j - i0] - t)
                if off > snap or nodes[j] in taken or any(nodes[j] in near_on_foot(o, gap) for o in taken):
                    continue
                # a new stop keeps clear of the other lines' stops nearby (it serves more streets)
                crowd = nodes[j] not in stop_at and any(nodes[j] in near_on_foot(o, STOP_SNAP_M) for o in stop_at)
                key = (nodes[j] not in stop_at, crowd, off, j)
                best = min(best or key, key)
            return None if best is None else best[-1]

        chosen = []
        for t in targets:
            j = pick(t, STOP_SNAP_M, STOP_MIN_GAP_M)
            if j is not None:
                chosen.append(j)
                taken.add(nodes[j])
        # Where the road bends back on itself (a loop to a railway underpass) the targets may all lie
        # too close on foot to the line's stops: a gap over 1.5 spacings gets a stop as near its
        # middle as the spacing rule allows, or failing that the looser rule of --check.
        while True:
            ends = sorted(([i0] if fixed_start else []) + chosen + ([i1] if fixed_end else []))
            gaps = [(s[q - i0] - s[p - i0], p, q) for p, q in zip(ends, ends[1:])]
            wide = [g for g in gaps if g[0] > 1.5 * STOP_SPACING_M]
            j = None
            for g, p, q in wide:
                mid = (s[p - i0] + s[q - i0]) / 2
                for gap in (STOP_MIN_GAP_M, CHECK_STOP_GAP_M + 10):
                    j = pick(mid, g / 2 - 1, gap)
                    if j is not None:
                        break
                if j is not None:
                    break
            if j is None:
                break
            chosen.append(j)
            taken.add(nodes[j])
        out = []
        for j in sorted(chosen):
            n = nodes[j]
            if n not in stop_at:
                named = [links[k]["name"] for k in ks[max(0, j - 1):j + 1]
                         if links[k]["name"] and links[k]["role"] in ("mesh", "crossing")]
                new_stop(n, named[0] if named else "")
            out.append((j, stop_at[n]))
        return out

    line_rows = []
    for lid, lname, mode, veh, seq in LINES:
        rows = []
        line_nodes = {stop_node[sid] for sid, _ in seq if stop_info[sid][4] == "mesh"}
        for idx, (sid, minutes) in enumerate(seq):
            first, last = idx == 0, idx == len(seq) - 1
            dwell = 0 if first or last else (BUS_DWELL_S if mode == "bus" else RAIL_DWELL_S)
            if lid == "regional" and sid == "flemingsberg":
                dwell = REGIONAL_DWELL_FLEMINGSBERG_S
            if first:
                rows.append((lid, 1, sid, 0, dwell))
                continue
            if minutes is None:
                run = bus_seconds(seq[idx - 1][0], sid)
            elif minutes == "172_norsborg":
                i0 = [r[2] for r in rows].index("flemingsbergs_station")
                spent = sum(r[3] + r[4] for r in rows[i0 + 1:])
                run = BUS_172_FLEMINGSBERG_NORSBORG_MIN * 60 - spent
            else:
                run = int(round(minutes * 60))
            prev_sid = seq[idx - 1][0]
            on_mesh = (stop_info[prev_sid][4] == "mesh", stop_info[sid][4] == "mesh")
            stops = []
            if mode == "bus" and any(on_mesh):
                nodes, ks = bus_path(prev_sid, sid)
                stops = place_stops(nodes, ks, line_nodes, *on_mesh)
                line_nodes |= {stop_node[x] for _, x in stops}
                if minutes == "172_norsborg":
                    run -= BUS_DWELL_S * len(stops)   # the fact sheet's 28 min include every stop
                # the segment's run time over its pieces, in proportion to their path time; the
                # intermediate stops' dwells come on top
                t = [0.0]
                for k in ks:
                    t.append(t[-1] + bus_link_s(links[k]))
                cuts = [0] + [j for j, _ in stops] + [len(nodes) - 1]
                piece = [t[b] - t[a] for a, b in zip(cuts, cuts[1:])]
                total = sum(piece) or 1.0
                exact = [run * p / total for p in piece]
                runs = [max(1, int(math.floor(e))) for e in exact]
                rest = run - sum(runs)
                for j in sorted(range(len(runs)), key=lambda j: (-(exact[j] - math.floor(exact[j])), j))[:max(0, rest)]:
                    runs[j] += 1
                for (j, x), r in zip(stops, runs):
                    rows.append((lid, len(rows) + 1, x, r, BUS_DWELL_S))
                run = runs[-1]
            rows.append((lid, len(rows) + 1, sid, run, dwell))
        line_rows += rows
    net.line_rows = line_rows


# ----------------------------------------------------------------------------------------------
# Write
def hms(t):
    h, m = (int(v) for v in t.split(":"))
    return "%02d:%02d:00" % (h, m)


def write_tables(net, outdir):
    """The last step: network.yaml and the eight tables, in fixed formats."""
    X, Y, nid, links = net.X, net.Y, net.new_id, net.links
    os.makedirs(outdir, exist_ok=True)
    head = "# Flemingsberg network, format 1; written by generate.py (edit the tables there); see README.md\n"

    def out(name, header, rows):
        with open(os.path.join(outdir, name), "w", encoding="utf-8", newline="\n") as f:
            f.write(head + header + "\n")
            for r in rows:
                cells = ["" if c is None else str(c) for c in r]
                for c in cells:
                    assert "," not in c and '"' not in c, c
                f.write(",".join(cells) + "\n")

    with open(os.path.join(outdir, "network.yaml"), "w", encoding="utf-8", newline="\n") as f:
        f.write("format: 1\n"
                "name: Flemingsberg\n"
                "description: Schematic street and path mesh of Flemingsberg (Huddinge and Botkyrka) about 3 km "
                "around the station with commuter rail, regional trains, buses and gateway zones for the rest "
                "of the Stockholm region\n"
                "crs: %s                # SWEREF 99 TM: x_m easting, y_m northing, metres\n" % CRS)

    sweref = {n: to_crs(X[n], Y[n]) for n in net.order}
    out("nodes.csv", "id,x_m,y_m,zone",
        [(nid[n], fmt(sweref[n][0]), fmt(sweref[n][1]), net.zone_of.get(n, "")) for n in net.order])

    def length_of(l):
        """A link's length in SWEREF 99 TM: one laid out in the working plane scaled by the ratio of
        its ends' distances in the two; one stated by a source as it is."""
        plane = dist((X[l["a"]], Y[l["a"]]), (X[l["b"]], Y[l["b"]]))
        if not l["geometric"] or plane <= 0:
            return l["len"]
        return up10(l["len"] * dist(sweref[l["a"]], sweref[l["b"]]) / plane)
    rows = []
    counters = {}
    for l in links:
        if l["crossing"]:
            c = counters[l["crossing"]] = counters.get(l["crossing"], 0) + 1
            lid = "x_%s_%d" % (l["crossing"], c)
        elif l["role"] == "connector":
            lid = l["lid"]
        elif l["role"] == "regional":
            g = nid[l["b"]]
            c = counters[(l["role"], g, l["type"])] = counters.get((l["role"], g, l["type"]), 0) + 1
            lid = {"regional_road": "rr_", "regional_cycleway": "rc_"}[l["type"]] + \
                g.replace("gw_", "") + ("_%d" % c if l["type"] == "regional_road" else "")
        else:
            counters["mesh"] = counters.get("mesh", 0) + 1
            lid = "l%05d" % counters["mesh"]
        car = "car" in l["modes"]
        rows.append((lid, nid[l["a"]], nid[l["b"]], fmt(length_of(l)), l["type"], l["modes"], l["oneway"],
                     l["speed"] if car else "", l["lanes"] if car else "", l["cap"] if car else "", l["name"]))
    out("links.csv", "id,from,to,length_m,type,modes,oneway,car_speed_kph,lanes,capacity_veh_per_h,name", rows)

    zrows = [(zid, name, "study", nid[net.centroid[zid]], "walk|bike|car|transit")
             for zid, name, _, _, _ in STUDY_ZONES]
    zrows += [(g[0], g[1], "gateway", nid[net.centroid[g[0]]], g[3]) for g in GATEWAYS]
    out("zones.csv", "id,name,kind,centroid_node,modes", zrows)
    assert set(STATION_PARKING) <= {s[0] for s in STOPS}, "STATION_PARKING names an unknown stop"
    all_stops = STOPS + net.extra_stops   # the named stops, then the intermediate bus stops
    if WRITE_PARKING:
        out("stops.csv", "id,name,node,bike_parking,car_parking",
            [(s[0], s[1], nid[net.stop_node[s[0]]]) + STATION_PARKING.get(s[0], (0, 0)) for s in all_stops])
    else:
        out("stops.csv", "id,name,node", [(s[0], s[1], nid[net.stop_node[s[0]]]) for s in all_stops])
    out("vehicles.csv", "id,name,seated,standing", VEHICLES)
    out("lines.csv", "id,name,mode,vehicle", [l[:4] for l in LINES])
    out("line_stops.csv", "line,seq,stop,run_time_s,dwell_s", net.line_rows)
    hrows = []
    for lid, ivs in HEADWAYS:
        for f, t, h in ivs:
            hrows.append((lid, hms(f), hms(t), int(round(h * 60))))
    out("headways.csv", "line,from,to,headway_s", hrows)
    print("wrote %d nodes, %d links, %d zones, %d stops, %d lines to %s" % (
        len(net.order), len(links), len(zrows), len(all_stops), len(LINES), outdir))


# ----------------------------------------------------------------------------------------------
# Check: read the tables back as a loader would and verify the invariants
def read_table(path, columns, optional=()):
    """Rows as dicts; the header is `columns`, optionally followed by `optional` columns (then
    all of them, and missing ones read as empty)."""
    rows, header = [], None
    with open(path, encoding="utf-8") as f:
        for line in f:
            t = line.rstrip("\n").rstrip("\r")
            if not t.strip() or t.strip().startswith("#"):
                continue
            cells = [c.strip() for c in t.split(",")]
            if header is None:
                header = cells
                if header != columns and header != columns + list(optional):
                    raise SystemExit("%s: header %s, expected %s" % (path, header, columns + list(optional)))
                continue
            if len(cells) != len(header):
                raise SystemExit("%s: row with %d fields: %s" % (path, len(cells), t))
            rows.append(dict([(c, "") for c in optional] + list(zip(header, cells))))
    return rows


def peak_demand_from_trip_log(path):
    """Per regional road (link id) its busiest hour's cars in the busier direction, and per
    junction the busiest hour of its roads together, from a simulated trip log (h5py)."""
    import h5py
    with h5py.File(path, "r") as f:
        ids = [x.decode() if isinstance(x, bytes) else x for x in f["lookup/links"]["id"][()]]
        lv = f["link_volumes"][()]
    hourly = {}
    for link, direction, hour, cars in zip(lv["link"], lv["direction"], lv["hour"], lv["cars"]):
        if ids[link].startswith("rr_"):
            key = (ids[link], int(direction), int(hour))
            hourly[key] = hourly.get(key, 0) + int(cars)
    return hourly


def check_gateway_roads(L, names, err, trip_log=None):
    """Every junction of regional roads with the area: the arterials' capacity away from it in
    each direction against the base-year peak demand of the roads that meet there; and every
    gateway's regional road capacity against its own. Prints one line per junction and gateway."""
    regional = [l for l in L if l["type"] == "regional_road"]
    hourly = peak_demand_from_trip_log(trip_log) if trip_log else None

    def peak(road_ids):
        if hourly is None:   # the table: the sum of each road's peak (an upper bound)
            missing = [r for r in road_ids if r not in GATEWAY_PEAK_CARS]
            for r in missing:
                err("regional road %s has no base-year peak demand in GATEWAY_PEAK_CARS" % r)
            return sum(GATEWAY_PEAK_CARS.get(r, 0) for r in road_ids)
        return max([sum(hourly.get((r, d, h), 0) for r in road_ids) for d in (0, 1) for h in range(48)] + [0])

    junctions = {}
    for l in regional:
        junctions.setdefault(l["a"], []).append(l)
    for j, roads in sorted(junctions.items(), key=lambda kv: names[kv[0]]):
        out_cap = in_cap = 0.0
        for l in L:   # the arterials only: residential streets at the junction are not counted
            if l["type"] not in JUNCTION_CLASSES or "car" not in l["modes"]:
                continue
            if l["a"] == j:
                out_cap += l["cap"]
                if l["oneway"] == "no":
                    in_cap += l["cap"]
            elif l["b"] == j:
                in_cap += l["cap"]
                if l["oneway"] == "no":
                    out_cap += l["cap"]
        cap = min(out_cap, in_cap)
        demand = peak([l["id"] for l in roads])
        classes = sorted({l["type"] for l in L if j in (l["a"], l["b"]) and l["type"] != "regional_road"})
        print("junction %s (%s): arterials %.0f veh/h each way, regional roads %s: base-year peak %d veh/h: %s" % (
            names[j], "/".join(classes), cap, ", ".join(l["id"] for l in roads), demand,
            "ok" if cap >= demand else "SHORT"))
        if cap < demand:
            err("junction %s: arterials carry %.0f veh/h, the regional roads bring %d in the peak hour" % (
                names[j], cap, demand))
        if not any(c in JUNCTION_CLASSES for c in classes):
            err("junction %s: the regional roads meet no arterial (%s)" % (names[j], ", ".join(classes)))
    for gid, _, _, _, roads, _, _ in GATEWAYS:
        ids = [l["id"] for l in regional if names[l["b"]] == "gw_" + gid]
        cap = sum(l["cap"] for l in regional if l["id"] in ids)
        demand = peak(ids)
        print("gateway %s: regional roads %.0f veh/h each way, base-year peak %d veh/h: %s" % (
            gid, cap, demand, "ok" if cap >= demand else "SHORT"))
        if cap < demand:
            err("gateway %s: its roads carry %.0f veh/h, its base-year peak is %d" % (gid, cap, demand))
    if hourly is not None:
        print("GATEWAY_PEAK_CARS = {%s}" % ", ".join(
            '"%s": %d' % (l["id"], -(-peak([l["id"]]) // 50) * 50) for l in regional))


def check(outdir, trip_log=None):
    errors = []

    def err(msg):
        errors.append(msg)

    T = {}
    spec = {"nodes.csv": "id,x_m,y_m,zone",
            "links.csv": "id,from,to,length_m,type,modes,oneway,car_speed_kph,lanes,capacity_veh_per_h,name",
            "zones.csv": "id,name,kind,centroid_node,modes", "stops.csv": "id,name,node",
            "vehicles.csv": "id,name,seated,standing", "lines.csv": "id,name,mode,vehicle",
            "line_stops.csv": "line,seq,stop,run_time_s,dwell_s", "headways.csv": "line,from,to,headway_s"}
    optional = {"stops.csv": ("bike_parking", "car_parking")}
    for f, cols in spec.items():
        T[f[:-4]] = read_table(os.path.join(outdir, f), cols.split(","), optional.get(f, ()))
    with open(os.path.join(outdir, "network.yaml"), encoding="utf-8") as f:
        keys = [ln.split(":")[0].strip() for ln in f if ln.strip() and not ln.strip().startswith("#")]
    if keys != ["format", "name", "description", "crs"]:
        err("network.yaml keys %s" % keys)

    idchars = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
    ids = {}
    for t in ("nodes", "links", "zones", "stops", "vehicles", "lines"):
        seen = set()
        for r in T[t]:
            if r["id"] in seen:
                err("%s: duplicate id %s" % (t, r["id"]))
            if not r["id"] or set(r["id"]) - idchars:
                err("%s: bad id %r" % (t, r["id"]))
            seen.add(r["id"])
        ids[t] = seen
    nodes = {r["id"]: r for r in T["nodes"]}
    pos = {k: (float(r["x_m"]), float(r["y_m"])) for k, r in nodes.items()}
    zones = {r["id"]: r for r in T["zones"]}
    for r in T["nodes"]:
        if r["zone"] and r["zone"] not in zones:
            err("node %s: unknown zone %s" % (r["id"], r["zone"]))
    for z in T["zones"]:
        if z["kind"] not in ("study", "gateway"):
            err("zone %s kind %s" % (z["id"], z["kind"]))
        if z["centroid_node"] not in nodes or nodes[z["centroid_node"]]["zone"] != z["id"]:
            err("zone %s: centroid %s missing or not in the zone" % (z["id"], z["centroid_node"]))
        if set(z["modes"].split("|")) - {"walk", "bike", "car", "transit"}:
            err("zone %s modes %s" % (z["id"], z["modes"]))
    gw_nodes = {z["centroid_node"] for z in T["zones"] if z["kind"] == "gateway"}
    crossing_ids = {"x_%s_%d" % (c[0], i) for c in CROSSINGS for i in (1, 2)}
    types = MESH_TYPES | {"connector", "regional_road", "regional_cycleway"}
    n_idx = {k: i for i, k in enumerate(nodes)}
    L = []
    for r in T["links"]:
        a, b = r["from"], r["to"]
        if a not in nodes or b not in nodes or a == b:
            err("link %s: bad ends" % r["id"])
            continue
        modes = r["modes"].split("|")
        if r["type"] not in types or set(modes) - {"walk", "bike", "car"} or r["oneway"] not in ("yes", "no"):
            err("link %s: bad type/modes/oneway" % r["id"])
        carf = [r["car_speed_kph"], r["lanes"], r["capacity_veh_per_h"]]
        if "car" in modes and not all(c and float(c) > 0 for c in carf):
            err("link %s: car fields must be positive" % r["id"])
        if "car" not in modes and any(carf):
            err("link %s: car fields must be empty" % r["id"])
        length = float(r["length_m"])
        straight = dist(pos[a], pos[b])
        if not length > 0:
            err("link %s: length %s" % (r["id"], length))
        if length < 0.999 * straight:
            err("link %s: length %.1f < straight line %.1f" % (r["id"], length, straight))
        if r["type"] in MESH_TYPES:
            if r["id"] not in crossing_ids and crosses_rail(pos[a], pos[b]):
                err("link %s crosses the railway but is not a listed crossing" % r["id"])
        L.append(dict(a=n_idx[a], b=n_idx[b], len=length, modes=modes, oneway=r["oneway"], id=r["id"],
                      type=r["type"], speed=float(r["car_speed_kph"] or 0),
                      cap=float(r["capacity_veh_per_h"] or 0)))
    N = len(nodes)
    names = list(nodes)

    # connectivity: study-zone nodes by every street mode; gateway nodes (hub and access points)
    # by the street modes their zone lists
    zone_nodes = [n_idx[k] for k, r in nodes.items() if r["zone"] and zones[r["zone"]]["kind"] == "study"]
    gw_zone_nodes = [n_idx[k] for k, r in nodes.items() if r["zone"] and zones[r["zone"]]["kind"] == "gateway"]
    study_centroids = [n_idx[z["centroid_node"]] for z in T["zones"] if z["kind"] == "study"]
    for mode in ("walk", "bike", "car"):
        core = strong_core(N, L, mode, study_centroids[0])
        miss = [names[n] for n in zone_nodes + study_centroids if n not in core]
        if miss:
            err("%s: %d zone nodes outside the strongly connected core, e.g. %s" % (mode, len(miss), miss[:5]))
        for n in gw_zone_nodes:
            z = nodes[names[n]]["zone"]
            if mode in zones[z]["modes"] and n not in core:
                err("gateway %s: node %s not reachable both ways by %s" % (z, names[n], mode))
    counts = {}
    for k, r in nodes.items():
        if r["zone"]:
            counts[r["zone"]] = counts.get(r["zone"], 0) + 1
    for z in T["zones"]:
        if z["kind"] == "study" and counts.get(z["id"], 0) < 20:
            err("zone %s has only %d nodes" % (z["id"], counts.get(z["id"], 0)))

    # stops, lines, headways
    walk = adjacency(N, L, "walk")
    from_zones = reach(walk, zone_nodes + gw_zone_nodes)
    for s in T["stops"]:
        for c in ("bike_parking", "car_parking"):
            if s[c] and not (s[c].isdigit()):
                err("stop %s: %s %r is not a whole number >= 0" % (s["id"], c, s[c]))

    # access to transit from the gateways: no long walk connector, and every station a gateway
    # lists has one of the gateway's nodes within ACCESS_MAX_WALK_M on foot
    walk_conn = [l for l in L if l["type"] == "connector" and "walk" in l["modes"]]
    for l in walk_conn:
        if l["len"] > WALK_CONNECTOR_MAX_M:
            err("walk connector %s is %.0f m, longer than %d m" % (l["id"], l["len"], WALK_CONNECTOR_MAX_M))
    stop_at = {s["id"]: s["node"] for s in T["stops"]}
    gw_walks = []
    for gid, _, _, _, _, _, gstops in GATEWAYS:
        members = {n for n in gw_zone_nodes if nodes[names[n]]["zone"] == gid}
        for sid in [st[0] for st in gstops]:
            if stop_at.get(sid) not in n_idx:
                continue
            dv, _ = dijkstra(walk, n_idx[stop_at[sid]])
            best = min((dv.get(n, math.inf) for n in members), default=math.inf)
            gw_walks.append(best)
            if best > ACCESS_MAX_WALK_M:
                err("gateway %s: no node within %d m on foot of station %s (nearest %.0f m)" % (
                    gid, ACCESS_MAX_WALK_M, sid, best))
    # feeders: every gateway's feeder line runs from its feeder stop, which one of the gateway's
    # nodes reaches within FEEDER_WALK_M on foot, to a station the gateway lists, with a headway
    seq = {}
    for r in T["line_stops"]:
        seq.setdefault(r["line"], []).append((int(r["seq"]), r["stop"]))
    timed = {r["line"] for r in T["headways"]}
    feeders = 0
    for gid, sid, _, _, _ in FEEDERS:
        lid, fid = "feeder_" + sid, "f_" + sid
        gstops = [st[0] for g in GATEWAYS if g[0] == gid for st in g[6]]
        if [s for _, s in sorted(seq.get(lid, []))] != [fid, sid] or sid not in gstops or lid not in timed:
            err("feeder %s: not a timed line from %s to %s, a station of gateway %s" % (lid, fid, sid, gid))
            continue
        members = {n for n in gw_zone_nodes if nodes[names[n]]["zone"] == gid}
        near = within(walk, n_idx[stop_at[fid]], FEEDER_WALK_M + 1e-6) if stop_at.get(fid) in n_idx else {}
        if not members & set(near):
            err("feeder %s: no node of gateway %s within %d m on foot of its stop %s" % (lid, gid, FEEDER_WALK_M, fid))
            continue
        feeders += 1
    print("feeders: %d of %d gateways, each from a stop within %d m on foot of one of its nodes to its main station" % (
        feeders, len(GATEWAYS), FEEDER_WALK_M))
    if walk_conn:
        longest = max(walk_conn, key=lambda l: l["len"])
        print("walk connectors: %d, longest %.0f m (%s); gateway to listed station on foot: mean %.0f m, "
              "longest %.0f m over %d stations" % (len(walk_conn), longest["len"], longest["id"],
                                                   sum(gw_walks) / max(1, len(gw_walks)), max(gw_walks, default=0),
                                                   len(gw_walks)))
    # parking: every stop with car (bike) spaces has a node with car (bike) links both ways within
    # LOT_MAX_WALK_M on foot, where the routing puts its car (bike) park
    park_line = []
    for mode, col in (("car", "car_parking"), ("bike", "bike_parking")):
        walks = []
        for s in T["stops"]:
            if not (s[col].isdigit() and int(s[col]) > 0 and s["node"] in n_idx):
                continue
            w = park_walks(N, L, mode, walk, n_idx[s["node"]])
            walks.append((w, s["id"]))
            if w > LOT_MAX_WALK_M:
                err("stop %s has %s spaces but no node with %s links both ways within %d m on foot (nearest %s)" % (
                    s["id"], mode, mode, LOT_MAX_WALK_M, "%.0f m" % w if w < math.inf else "none"))
        if walks:
            longest = max(walks)
            park_line.append("%s at %d stops, longest %s (%s)" % (
                mode, len(walks), "%.0f m" % longest[0] if longest[0] < math.inf else "none near", longest[1]))
    if park_line:
        print("parks on foot from their stops: " + "; ".join(park_line))
    for s in T["stops"]:
        if s["node"] not in nodes:
            err("stop %s: unknown node" % s["id"])
        elif n_idx[s["node"]] not in from_zones:
            err("stop %s not reachable on foot from a zone" % s["id"])
    for ln in T["lines"]:
        if ln["mode"] not in ("rail", "bus", "tram") or ln["vehicle"] not in ids["vehicles"]:
            err("line %s: bad mode or vehicle" % ln["id"])
    for v in T["vehicles"]:
        if int(v["seated"]) < 0 or int(v["standing"]) < 0 or int(v["seated"]) + int(v["standing"]) <= 0:
            err("vehicle %s capacity" % v["id"])
    by_line = {}
    for r in T["line_stops"]:
        if r["line"] not in ids["lines"] or r["stop"] not in ids["stops"]:
            err("line_stops: bad reference %s" % r)
        by_line.setdefault(r["line"], []).append(r)
    for lid in ids["lines"]:
        rs = by_line.get(lid, [])
        if len(rs) < 2 or [int(r["seq"]) for r in rs] != list(range(1, len(rs) + 1)):
            err("line %s: seq must be 1..n with n >= 2" % lid)
            continue
        for i, r in enumerate(rs):
            run, dwell = int(r["run_time_s"]), int(r["dwell_s"])
            if (i == 0) != (run == 0) or run < 0 or dwell < 0:
                err("line %s seq %s: run time %d" % (lid, r["seq"], run))
            if i in (0, len(rs) - 1) and dwell != 0:
                err("line %s: dwell at an end" % lid)
    # stop spacing: no two stops of a line closer than CHECK_STOP_GAP_M on foot, and
    # between consecutive bus stops on the mesh a car path of at most CHECK_BUS_SEGMENT_M
    car = adjacency(N, L, "car", weight=lambda l: l["len"] / (l["speed"] / 3.6))
    mode_of = {ln["id"]: ln["mode"] for ln in T["lines"]}
    seg_lens, served_long = [], []
    for lid, rs in sorted(by_line.items()):
        sn = [stop_at.get(r["stop"]) for r in rs]
        if any(n not in pos for n in sn):
            continue
        for i in range(len(sn)):
            close = within(walk, n_idx[sn[i]], CHECK_STOP_GAP_M)
            for j in range(i + 1, len(sn)):
                if n_idx[sn[j]] in close:
                    err("line %s: stops %s and %s are %.0f m apart on foot" % (
                        lid, rs[i]["stop"], rs[j]["stop"], close[n_idx[sn[j]]]))
        if mode_of.get(lid) != "bus":
            continue
        for i in range(1, len(sn)):
            a, b = n_idx[sn[i - 1]], n_idx[sn[i]]
            if not (names[a].startswith("n") and names[b].startswith("n")):
                continue   # a gateway or platform stop: not a segment on the mesh
            _, prev = dijkstra(car, a, b)
            if b not in prev:
                err("line %s: no car path from %s to %s" % (lid, rs[i - 1]["stop"], rs[i]["stop"]))
                continue
            path = path_links(prev, a, b)
            m = sum(L[k]["len"] for k in path)
            seg_lens.append(m)
            # a longer segment is fine only where the road runs back through the line's own
            # catchment: every node on it within STOP_MIN_GAP_M on foot of a stop of the line,
            # so that the spacing rule leaves no node for a stop (a bus passing an underpass twice)
            if m > CHECK_BUS_SEGMENT_M:
                served = set()
                for n in sn:
                    served |= set(within(walk, n_idx[n], STOP_MIN_GAP_M))
                if all(L[k]["a"] in served and L[k]["b"] in served for k in path):
                    served_long.append("%s %s -> %s %.0f m" % (lid, rs[i - 1]["stop"], rs[i]["stop"], m))
                    continue
            if m > CHECK_BUS_SEGMENT_M:
                err("line %s: %s -> %s is %.0f m on the road, longer than %d m" % (
                    lid, rs[i - 1]["stop"], rs[i]["stop"], m, CHECK_BUS_SEGMENT_M))
    if seg_lens:
        print("bus segments on the mesh: %d, mean %.0f m, longest %.0f m" % (
            len(seg_lens), sum(seg_lens) / len(seg_lens), max(seg_lens)) +
              "".join("; through the line's own catchment: " + x for x in served_long))

    def secs(t):
        h, m, s = (int(v) for v in t.split(":"))
        return h * 3600 + m * 60 + s
    hw = {}
    for r in T["headways"]:
        if r["line"] not in ids["lines"] or int(r["headway_s"]) <= 0 or secs(r["from"]) >= secs(r["to"]):
            err("headway row %s" % r)
        hw.setdefault(r["line"], []).append((secs(r["from"]), secs(r["to"])))
    for lid in ids["lines"]:
        iv = sorted(hw.get(lid, []))
        if not iv:
            err("line %s has no headways" % lid)
        if any(iv[i][0] < iv[i - 1][1] for i in range(1, len(iv))):
            err("line %s: overlapping headway intervals" % lid)

    # walk from Ebba Bååts torg to the campus crosses the railway on a crossing
    # (the tables' coordinates are SWEREF 99 TM: the fact sheet's places are projected alike)
    src = min((n for n in zone_nodes), key=lambda n: dist(pos[names[n]], sweref99tm(59.2187, 17.9493)))
    dst = n_idx[zones["campus_flemingsberg"]["centroid_node"]]
    dv, prev = dijkstra(walk, src, dst)
    used = [L[k]["id"] for k in path_links(prev, src, dst)]
    straight = dist(pos[names[src]], pos[names[dst]])
    crossing_used = [u for u in used if u in crossing_ids]
    if dv[dst] < straight or not crossing_used:
        err("walk Ebba Bååts torg -> campus: %.0f m (straight %.0f m), crossings %s" % (dv[dst], straight, crossing_used))
    print("walk Ebba Bååts torg -> campus: %.0f m on foot, %.0f m straight, via %s" % (
        dv[dst], straight, ", ".join(sorted(set(u.rsplit("_", 1)[0][2:] for u in crossing_used)))))
    # the walks to the trains against the one the fact sheet gives: Hälsovägen 11A (KTH) lies 719 m,
    # 9 min on foot from the station; the mesh's street node nearest it, from the platform's node
    if "flemingsberg" in stop_at and stop_at["flemingsberg"] in n_idx:
        kth = min(zone_nodes, key=lambda n: dist(pos[names[n]], sweref99tm(*FACT_WALK_TO[:2])))
        dv, _ = dijkstra(walk, n_idx[stop_at["flemingsberg"]], kth)
        metres = dv.get(kth, math.inf)
        if not abs(metres / FACT_WALK_TO[2] - 1) <= FACT_WALK_TOLERANCE:
            err("walk Flemingsberg platform -> Hälsovägen 11A: %.0f m, the fact sheet's %d m +-%.0f %%" % (
                metres, FACT_WALK_TO[2], 100 * FACT_WALK_TOLERANCE))
        print("walk Flemingsberg platform -> Hälsovägen 11A (KTH): %.0f m on foot (fact sheet: %d m, 9 min)" % (
            metres, FACT_WALK_TO[2]))
    else:
        err("stop flemingsberg missing, or its node: the walk to Hälsovägen 11A cannot be checked")
    check_gateway_roads(L, names, err, trip_log)
    print("nodes %d, links %d, zones %d (%d study), stops %d, lines %d, vehicles %d" % (
        N, len(L), len(T["zones"]), sum(z["kind"] == "study" for z in T["zones"]), len(T["stops"]),
        len(T["lines"]), len(T["vehicles"])))
    for z in T["zones"]:
        c = pos[z["centroid_node"]]
        print("  %-22s %-8s %8.0f %8.0f %5d  %s" % (z["id"], z["kind"], c[0], c[1], counts.get(z["id"], 0), z["name"]))
    if errors:
        print("CHECK FAILED (%d problems):" % len(errors))
        for e in errors[:50]:
            print("  " + e)
        return 1
    print("check passed")
    return 0


def main(argv):
    """Writes the tables into OUTDIR (default: this folder), or with --check reads them back and
    verifies them. The build steps run in this order (see "Build")."""
    trip_log = None
    if "--demand" in argv:
        k = argv.index("--demand")
        if k + 1 >= len(argv):
            print("--demand needs a trip log (TRIPS.h5)", file=sys.stderr)
            return 2
        trip_log = argv[k + 1]
        argv = argv[:k] + argv[k + 2:]
    args = [a for a in argv if a != "--check"]
    outdir = args[0] if args else os.path.dirname(os.path.abspath(__file__))
    if "--check" in argv:
        return check(outdir, trip_log)
    net = Network()
    lay_street_grid(net)
    add_crossings(net)
    route_main_roads(net)
    removed = cut_blocks(net)
    repair_car_connectivity(net, removed)
    add_nature_paths(net)
    add_one_way_streets(net)
    assign_zones(net)
    add_stops_and_gateways(net)
    add_station_parks(net)
    renumber(net)
    time_lines(net)
    write_tables(net, outdir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
