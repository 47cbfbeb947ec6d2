# Data: the synthetic benchmark, mMARCO fetched from the Hugging Face hub, or the
# real-text tier's Bible verses.
# Either way every language ends up in the same layout under resources/<dataset>/.
# (source 'local': you place that layout yourself; only a configured bitext is imported.)


if config["source"] == "synthetic":

    include: "data_synthetic.smk"

elif config["source"] == "mmarco":

    include: "data_mmarco.smk"

elif config["source"] == "bible":

    include: "data_bible.smk"

elif config["source"] == "local":

    include: "data_local.smk"
