# Data: the synthetic benchmark, mMARCO fetched from the Hugging Face hub, or the
# real-text tier's Bible verses.
# Either way every language ends up in the same layout under resources/<dataset>/.
# (source 'local': you place that layout yourself and no data rule runs.)


if config["source"] == "synthetic":

    include: "data_synthetic.smk"

elif config["source"] == "mmarco":

    include: "data_mmarco.smk"

elif config["source"] == "bible":

    include: "data_bible.smk"
