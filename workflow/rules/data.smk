# Data: the synthetic benchmark, mMARCO or CIRAL fetched from the Hugging Face
# hub, the real-text tier's Bible verses, or your own files.
# Either way every language ends up in the same layout under resources/<dataset>/.
# (source 'local': you place that layout yourself; only a configured bitext is imported.)


if config["source"] == "synthetic":

    include: "data_synthetic.smk"

elif config["source"] == "mmarco":

    include: "data_hub.smk"
    include: "data_mmarco.smk"

elif config["source"] == "ciral":

    include: "data_hub.smk"
    include: "data_ciral.smk"
    include: "data_external_bitext.smk"

elif config["source"] == "bible":

    include: "data_bible.smk"

elif config["source"] == "local":

    include: "data_external_bitext.smk"
