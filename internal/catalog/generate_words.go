package catalog

// Word lists for GenerateProducts: enough variety that word frequencies
// look like a real shop's (a few very common words, a long tail of brand
// names), so that benchmarks measure realistic match sets.

// departments group product nouns; a generated product's category
// follows its noun's department.
var departments = [][]string{
	{"shirt", "t-shirt", "blouse", "sweater", "cardigan", "hoodie", "jacket", "coat", "parka", "vest", "polo", "tunic"},
	{"jeans", "trousers", "chinos", "shorts", "skirt", "leggings", "joggers", "dress", "jumpsuit", "overalls"},
	{"sneakers", "boots", "sandals", "loafers", "slippers", "heels", "trainers", "brogues", "espadrilles"},
	{"backpack", "handbag", "wallet", "belt", "scarf", "beanie", "cap", "gloves", "umbrella", "tote", "satchel"},
	{"mug", "teapot", "bowl", "plate", "kettle", "skillet", "saucepan", "knife", "cutting board", "colander", "whisk"},
	{"lamp", "cushion", "blanket", "rug", "curtain", "vase", "mirror", "clock", "candle", "throw", "planter"},
	{"chair", "table", "desk", "shelf", "bookcase", "stool", "bench", "sofa", "wardrobe", "sideboard"},
	{"headphones", "speaker", "charger", "cable", "keyboard", "mouse", "monitor stand", "power bank", "webcam", "router"},
	{"notebook", "pen", "pencil case", "planner", "sketchbook", "fountain pen", "desk organiser", "journal"},
	{"tent", "sleeping bag", "water bottle", "headlamp", "hiking poles", "camping stove", "hammock", "cooler"},
	{"yoga mat", "dumbbells", "kettlebell", "resistance band", "jump rope", "foam roller", "gym bag"},
	{"soap", "shampoo", "face cream", "candle set", "bath towel", "hand towel", "diffuser", "body lotion"},
}

var adjectives = []string{
	"classic", "vintage", "modern", "slim", "relaxed", "oversized", "lightweight", "heavy", "soft", "sturdy",
	"compact", "portable", "waterproof", "breathable", "insulated", "handmade", "organic", "recycled", "premium",
	"essential", "everyday", "minimal", "rustic", "elegant", "cosy", "bold", "striped", "checked", "quilted",
	"padded", "ribbed", "washed", "brushed", "polished", "matte", "glossy", "textured", "woven", "knitted",
	"stretch", "tailored", "cropped", "long", "short", "wide", "narrow", "round", "square", "deluxe", "travel",
}

var colours = []string{
	"black", "white", "grey", "charcoal", "navy", "blue", "sky blue", "teal", "green", "olive", "forest green",
	"red", "burgundy", "pink", "coral", "orange", "mustard", "yellow", "cream", "beige", "sand", "brown",
	"tan", "camel", "purple", "lilac", "silver", "gold", "copper", "natural",
}

var materials = []string{
	"cotton", "organic cotton", "wool", "merino wool", "cashmere", "linen", "silk", "denim", "leather",
	"suede", "canvas", "fleece", "nylon", "polyester", "bamboo", "oak", "walnut", "pine", "steel",
	"stainless steel", "aluminium", "ceramic", "stoneware", "porcelain", "glass", "cork", "rubber", "jute",
}

var features = []string{
	"with pockets", "with zip", "with hood", "with lid", "with handle", "set of 2", "set of 4", "pack of 3",
	"for kids", "for men", "for women", "limited edition", "gift edition", "large", "small", "XL",
}

var occasions = []string{
	"everyday wear", "the office", "weekends away", "long walks", "rainy days", "summer evenings",
	"winter mornings", "the gym", "camping trips", "dinner parties", "lazy Sundays", "travel", "gifting",
}

var places = []string{
	"Lisbon", "Copenhagen", "Kyoto", "Portland", "Glasgow", "Lyon", "Porto", "Bergen", "Oaxaca", "Ghent",
	"Tallinn", "Valencia", "Hobart", "Bologna", "Krakow", "Leeds",
}

var sentences = []string{
	"This %[1]s %[2]s is made of %[3]s and comes in %[4]s.",
	"Designed in %[5]s by %[6]s, it is %[1]s and easy to care for.",
	"Perfect for %[7]s, and just as good for %[8]s.",
	"The %[3]s is sourced responsibly and finished by hand.",
	"Machine washable at 30 degrees; dry flat and out of direct sun.",
	"Each piece is checked before it leaves our workshop, so it arrives ready to use.",
	"Pairs well with our %[4]s %[9]s.",
	"A %[1]s shape with a %[10]s finish that softens with use.",
	"We offer free returns within 30 days and a two year guarantee.",
	"Please note that natural %[3]s varies slightly from piece to piece.",
}

// syllables make brand names: common enough to repeat, rare enough to
// form the long tail.
var syllables = []string{
	"nor", "vik", "tal", "mo", "ka", "ri", "sen", "lu", "ma", "bro", "dal", "en", "fi", "gro", "ha",
	"is", "jo", "kel", "lin", "mer", "ost", "pa", "quin", "ro", "sa", "tor", "ul", "ve", "wen", "za",
}
