package demo

// The fixed reference data the generator draws from. Everything here is fictional:
// phone numbers use the 555-01xx range set aside for fiction, email addresses and web
// names use the reserved .example top-level domain, and customers are made up.

// emailDomain is the domain of every generated email address.
const emailDomain = "democonstruction.example"

// region is one office of the demo company: its group record and what people and
// projects there look like.
type region struct {
	code, name, tz, color string
	address1, city        string
	state, zip            string
	contact               string
	// areaCodes hold the people's mobile numbers, 99 numbers per area code; the first
	// number of the first area code is the office line.
	areaCodes []string
	// emergencyArea is the area code of emergency contacts' phones, which no one in
	// the company has as a mobile number.
	emergencyArea string
	cities        []city
	unions        []string
	places        []string // name prefixes of projects in the region
	people        int      // exactly this many people have the region as first group
	projects      int      // exactly this many projects are in the region
}

type city struct{ name, state, zip string }

var regions = []region{
	{
		code: "KS", name: "Kansas City", tz: "America/Chicago", color: "#1F77B4",
		address1: "1200 Fairfax Trafficway", city: "Kansas City", state: "KS", zip: "66115",
		contact: "Dana Whitfield", areaCodes: []string{"913", "816", "785"}, emergencyArea: "620",
		cities: []city{
			{"Kansas City", "KS", "66102"}, {"Overland Park", "KS", "66212"}, {"Olathe", "KS", "66061"},
			{"Lenexa", "KS", "66215"}, {"Shawnee", "KS", "66216"}, {"Kansas City", "MO", "64111"},
			{"Independence", "MO", "64050"}, {"Lee's Summit", "MO", "64063"},
		},
		unions: []string{"IBEW Local 124", "Carpenters Local 1445", "Laborers Local 1290", "Operating Engineers Local 101"},
		places: []string{"Riverside", "Wyandotte", "Strawberry Hill", "Legends", "Shawnee Mission",
			"Prairie Fire", "Crown Center", "Indian Creek", "West Bottoms", "Blue Valley"},
		people: 170, projects: 20,
	},
	{
		code: "CO", name: "Denver", tz: "America/Denver", color: "#2CA02C",
		address1: "4800 Race Street", city: "Denver", state: "CO", zip: "80216",
		contact: "Marcus Lindqvist", areaCodes: []string{"303", "720", "970"}, emergencyArea: "719",
		cities: []city{
			{"Denver", "CO", "80205"}, {"Aurora", "CO", "80012"}, {"Lakewood", "CO", "80226"},
			{"Arvada", "CO", "80002"}, {"Thornton", "CO", "80229"}, {"Westminster", "CO", "80031"},
			{"Littleton", "CO", "80120"},
		},
		unions: []string{"Carpenters Local 555", "Laborers Local 720", "Ironworkers Local 24"},
		places: []string{"Cherry Creek", "Sloan's Lake", "Central Park", "Red Rocks", "Union Station",
			"Highlands", "Green Valley Ranch", "Platte River", "Sand Creek", "Bear Creek"},
		people: 125, projects: 15,
	},
	{
		code: "AZ", name: "Phoenix", tz: "America/Phoenix", color: "#FF7F0E",
		address1: "2250 West Lower Buckeye Road", city: "Phoenix", state: "AZ", zip: "85009",
		contact: "Rosa Delgado", areaCodes: []string{"602", "480", "623"}, emergencyArea: "520",
		cities: []city{
			{"Phoenix", "AZ", "85008"}, {"Mesa", "AZ", "85201"}, {"Tempe", "AZ", "85281"},
			{"Glendale", "AZ", "85301"}, {"Chandler", "AZ", "85225"}, {"Gilbert", "AZ", "85233"},
			{"Peoria", "AZ", "85345"},
		},
		unions: []string{"Laborers Local 383", "Carpenters Local 1912"},
		places: []string{"Camelback", "Desert Ridge", "Papago", "Salt River", "South Mountain",
			"Sonoran", "Superstition Springs", "Estrella", "Arcadia", "Tonto"},
		people: 105, projects: 13,
	},
	{
		code: "GA", name: "Atlanta", tz: "America/New_York", color: "#9467BD",
		address1: "1575 Northside Drive NW", city: "Atlanta", state: "GA", zip: "30318",
		contact: "Terrence Boyd", areaCodes: []string{"404", "678", "770"}, emergencyArea: "706",
		cities: []city{
			{"Atlanta", "GA", "30310"}, {"Marietta", "GA", "30060"}, {"Decatur", "GA", "30030"},
			{"Smyrna", "GA", "30080"}, {"Lawrenceville", "GA", "30044"}, {"East Point", "GA", "30344"},
			{"Kennesaw", "GA", "30144"},
		},
		unions: []string{"IBEW Local 613", "Laborers Local 515"},
		places: []string{"Peachtree", "Buckhead", "Midtown", "Chattahoochee", "Piedmont",
			"Ponce", "Stone Mountain", "Westside", "Sweet Auburn", "Cumberland"},
		people: 100, projects: 12,
	},
}

// titleSpec is one job title. groups nil means the title is available in every group.
type titleSpec struct {
	code, name string
	salaried   bool
	rateCents  int
	groups     []string
	color      string
	weight     int  // share of people (in percent) with the title; trades share tradeWeight
	trade      bool // a craft available in some groups only
	field      bool // works in the field, planned by hours
}

// tradeWeight is the share of people (percent) with one of the group-specific trades.
const tradeWeight = 22

var titles = []titleSpec{
	{code: "APP", name: "Apprentice", rateCents: 2250, color: "#AEC7E8", weight: 14, field: true},
	{code: "JRN", name: "Journeyman", rateCents: 3600, color: "#1F77B4", weight: 16, field: true},
	{code: "FOR", name: "Foreman", rateCents: 4200, color: "#FF7F0E", weight: 10, field: true},
	{code: "SUP", name: "Superintendent", salaried: true, rateCents: 5500, color: "#D62728", weight: 5},
	{code: "PM", name: "Project Manager", salaried: true, rateCents: 6000, color: "#9467BD", weight: 5},
	{code: "LAB", name: "Laborer", rateCents: 2100, color: "#8C564B", weight: 16, field: true},
	{code: "OPR", name: "Equipment Operator", rateCents: 3850, color: "#E377C2", weight: 9, field: true},
	{code: "SAFE", name: "Safety Manager", salaried: true, rateCents: 4800, color: "#7F7F7F", weight: 3},
	{code: "ELEC", name: "Electrician", rateCents: 3900, groups: []string{"KS", "GA"}, color: "#BCBD22", trade: true, field: true},
	{code: "CARP", name: "Carpenter", rateCents: 3350, groups: []string{"KS", "CO", "AZ"}, color: "#17BECF", trade: true, field: true},
	{code: "IW", name: "Ironworker", rateCents: 4025, groups: []string{"KS", "CO"}, color: "#393B79", trade: true, field: true},
	{code: "CONC", name: "Concrete Finisher", rateCents: 3175, groups: []string{"AZ", "GA"}, color: "#637939", trade: true, field: true},
}

// tagSpec is one tag. groups nil means the tag is available in every group.
type tagSpec struct {
	code, name, abbr string
	groups           []string
	expiry           bool
	warnDays         int
	color            string
	categories       []string
}

var tags = []tagSpec{
	{code: "OSHA10", name: "OSHA 10", abbr: "OSH10", color: "#2CA02C", categories: []string{"Safety"}},
	{code: "OSHA30", name: "OSHA 30", abbr: "OSH30", color: "#98DF8A", categories: []string{"Safety"}},
	{code: "CPR", name: "First Aid/CPR", abbr: "CPR", expiry: true, warnDays: 30, color: "#D62728", categories: []string{"Safety", "Medical"}},
	{code: "FORKLIFT", name: "Forklift", abbr: "FORK", expiry: true, warnDays: 30, color: "#FF7F0E", categories: []string{"Equipment"}},
	{code: "CRANE", name: "Crane Operator (NCCCO)", abbr: "CRANE", expiry: true, warnDays: 60, color: "#8C564B", categories: []string{"Equipment", "License"}},
	{code: "CONFINED", name: "Confined Space Entry", abbr: "CSE", expiry: true, warnDays: 30, color: "#7F7F7F", categories: []string{"Safety"}},
	{code: "FALLPROT", name: "Fall Protection", abbr: "FALL", expiry: true, warnDays: 21, color: "#BCBD22", categories: []string{"Safety"}},
	{code: "ELECLIC", name: "Journeyman Electrician License", abbr: "ELIC", groups: []string{"KS", "GA"}, expiry: true, warnDays: 90, color: "#17BECF", categories: []string{"License"}},
	{code: "WELD", name: "AWS Certified Welder", abbr: "WELD", groups: []string{"KS", "CO", "AZ"}, expiry: true, warnDays: 45, color: "#9467BD", categories: []string{"Skill", "License"}},
	{code: "BILINGUAL", name: "Bilingual (Spanish)", abbr: "BIL", color: "#E377C2", categories: []string{"Skill"}},
}

var maleFirstNames = []string{
	"James", "Michael", "Robert", "John", "David", "William", "Richard", "Joseph", "Thomas", "Christopher",
	"Charles", "Daniel", "Matthew", "Anthony", "Mark", "Steven", "Paul", "Andrew", "Joshua", "Kevin",
	"Brian", "George", "Timothy", "Ronald", "Jason", "Jeffrey", "Ryan", "Jacob", "Gary", "Nicholas",
	"Eric", "Jonathan", "Justin", "Scott", "Brandon", "Benjamin", "Samuel", "Gregory", "Frank", "Raymond",
	"Patrick", "Dennis", "Tyler", "Aaron", "Jose", "Adam", "Nathan", "Henry", "Zachary", "Douglas",
	"Kyle", "Noah", "Ethan", "Jeremy", "Walter", "Christian", "Keith", "Roger", "Terry", "Austin",
	"Sean", "Carl", "Dylan", "Harold", "Jordan", "Jesse", "Bryan", "Lawrence", "Arthur", "Gabriel",
	"Bruce", "Logan", "Alan", "Juan", "Wayne", "Elijah", "Randy", "Vincent", "Luis", "Miguel",
	"Carlos", "Jesús", "Alejandro", "Ramón", "Diego", "Marcus", "Darnell", "Tremaine", "DeShawn", "Hoang",
	"Minh", "Tuan", "Dmitri", "Kwame", "Rafael", "Emilio", "Cody", "Travis", "Dustin", "Wade",
}

var femaleFirstNames = []string{
	"Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah", "Karen",
	"Lisa", "Nancy", "Sandra", "Ashley", "Kimberly", "Emily", "Michelle", "Amanda", "Melissa", "Stephanie",
	"Rebecca", "Laura", "Amy", "Angela", "Brenda", "Nicole", "Samantha", "Katherine", "Christina", "Rachel",
	"María", "Guadalupe", "Lucía", "Keisha", "Tamika", "Lan", "Priya", "Aisha", "Megan", "Brittany",
}

var lastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
	"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
	"Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
	"Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
	"Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
	"Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes",
	"Stewart", "Morris", "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper",
	"Peterson", "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson",
	"Watson", "Brooks", "Chavez", "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes",
	"Price", "Alvarez", "Castillo", "Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Jimenez",
	"O'Brien", "McAllister", "Kowalski", "Schmidt", "Becker", "Lindgren", "Tran", "Pham", "Okafor", "Haddad",
	"Van Buren", "St. Clair", "Delacroix", "Yazzie", "Begay", "Nakamura", "Larsen", "Novak", "Fitzgerald", "Whitaker",
}

var streets = []string{
	"Main Street", "Oak Avenue", "Maple Drive", "Cedar Lane", "Pine Street", "Elm Street",
	"Washington Avenue", "Lincoln Road", "Park Avenue", "Lakeview Drive", "Hillcrest Road",
	"Sunset Boulevard", "Meadow Lane", "Highland Avenue", "Ridge Road", "Willow Court",
	"Industrial Parkway", "Commerce Drive", "Mill Street", "Prairie View Road",
}

var relations = []string{"Spouse", "Spouse", "Spouse", "Parent", "Sibling", "Partner", "Child"}

var shirtSizes = []string{"S", "M", "L", "L", "XL", "XL", "2XL", "3XL"}

// facility is a kind of building or works: it gives projects their names, types,
// customers and categories.
type facility struct {
	name, projectType string
	customers         []string
	public            bool // publicly funded: prevailing wages may apply
	civil             bool // heavy civil works use the civil categories
	noSuffix          bool // the name reads badly with "Phase 2" and the like
}

var facilities = []facility{
	{"Medical Center", "Healthcare", []string{"Heartland Health System", "Mercy Valley Hospitals"}, false, false, false},
	{"Outpatient Clinic", "Healthcare", []string{"Heartland Health System", "Summit Physicians Group"}, false, false, false},
	{"Elementary School", "Education", []string{"Metro Public Schools", "Valley Unified School District"}, true, false, false},
	{"High School Addition", "Education", []string{"Metro Public Schools", "Valley Unified School District"}, true, false, true},
	{"Distribution Center", "Industrial", []string{"Crossroads Logistics LLC", "Northstar Freight Inc."}, false, false, false},
	{"Cold Storage Facility", "Industrial", []string{"Midwest Cold Chain Inc.", "Frostline Foods"}, false, false, false},
	{"Office Tower", "Commercial", []string{"Summit Property Partners", "Keystone Realty Trust"}, false, false, false},
	{"Parking Garage", "Commercial", []string{"Keystone Realty Trust", "City Parking Authority"}, false, false, false},
	{"Water Treatment Plant", "Infrastructure", []string{"Metro Water Services"}, true, true, false},
	{"Bridge Replacement", "Infrastructure", []string{"State Department of Transportation", "County Public Works"}, true, true, true},
	{"Apartments", "Multifamily", []string{"Greenline Residential", "Oakmont Living"}, false, false, false},
	{"Senior Living", "Multifamily", []string{"Oakmont Living", "Golden Years Communities"}, false, false, false},
	{"Data Center", "Mission Critical", []string{"Ironbridge Data Centers", "Clearpath Cloud"}, false, false, false},
	{"Fire Station", "Public Safety", []string{"City Fire Department"}, true, false, false},
	{"Library Renovation", "Public", []string{"County Library District"}, true, false, true},
	{"Hotel", "Hospitality", []string{"Lodgecraft Hotels", "Redstone Hospitality"}, false, false, false},
	{"Retail Center", "Retail", []string{"Market Square Retail LLC", "Summit Property Partners"}, false, false, false},
}

var projectSuffixes = []string{"", "", "", "Phase 2", "Phase 3", "Expansion", "Tenant Improvements", "North Wing"}

type categorySpec struct {
	name string
	subs []string
}

var buildingCategories = []categorySpec{
	{"Sitework", []string{"Excavation", "Underground Utilities", "Paving"}},
	{"Foundations", []string{"Footings", "Slab on Grade"}},
	{"Structure", []string{"Steel Erection", "Concrete Decks"}},
	{"Building Envelope", []string{"Roofing", "Curtain Wall", "Masonry"}},
	{"Interiors", []string{"Level 1", "Level 2", "Level 3"}},
	{"MEP", []string{"Electrical", "Plumbing", "HVAC"}},
}

var civilCategories = []categorySpec{
	{"Demolition", nil},
	{"Earthwork", []string{"Cut", "Fill", "Grading"}},
	{"Substructure", []string{"Piers", "Abutments"}},
	{"Superstructure", []string{"Girders", "Deck"}},
	{"Traffic Control", nil},
}

var projectColors = []string{
	"#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B",
	"#E377C2", "#7F7F7F", "#BCBD22", "#17BECF", "#393B79", "#637939",
}

var contractTypes = []string{"Lump Sum", "Lump Sum", "GMP", "GMP", "Cost Plus", "Time and Materials"}

// timeOffKind is one reason people take time off.
type timeOffKind struct {
	reason   string
	paid     bool
	repeat   string
	minDays  int // length in weekdays
	maxDays  int
	weekend  bool // falls on Saturday and Sunday
	dayOfWk  int  // for weekly repeats: the weekday (time.Weekday)
	weight   int
	startMon bool // starts on a Monday
}

var timeOffKinds = []timeOffKind{
	{reason: "Vacation", paid: true, repeat: "never", minDays: 5, maxDays: 10, weight: 12, startMon: true},
	{reason: "Doctor appointment", paid: false, repeat: "never", minDays: 1, maxDays: 1, weight: 6},
	{reason: "Jury duty", paid: true, repeat: "never", minDays: 2, maxDays: 5, weight: 3, startMon: true},
	{reason: "Family leave", paid: false, repeat: "never", minDays: 10, maxDays: 15, weight: 3, startMon: true},
	{reason: "Training: OSHA 30 course", paid: true, repeat: "never", minDays: 4, maxDays: 4, weight: 4, startMon: true},
	{reason: "Personal day", paid: true, repeat: "never", minDays: 1, maxDays: 2, weight: 6},
	{reason: "Evening class (leaves early Fridays)", paid: false, repeat: "weekly", minDays: 1, maxDays: 1, dayOfWk: 5, weight: 3},
	{reason: "National Guard drill weekend", paid: false, repeat: "monthly", weekend: true, weight: 2},
	{reason: "Anniversary trip", paid: true, repeat: "yearly", minDays: 3, maxDays: 5, weight: 1, startMon: true},
}
