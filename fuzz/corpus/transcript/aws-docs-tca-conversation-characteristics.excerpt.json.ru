{
  "ConversationCharacteristics": {
    "NonTalkTime": {
      "Instances": [],
      "TotalTimeMillis": 0
    },
    "Interruptions": {
      "TotalCount": 2,
      "TotalTimeMillis": 10700,
      "InterruptionsByInterrupter": {
        "AGENT": [
          {
            "BeginOffsetMillis": 26040,
            "DurationMillis": 5510,
            "EndOffsetMillis": 31550
          }
        ],
        "CUSTOMER": [
          {
            "BeginOffsetMillis": 770,
            "DurationMillis": 5190,
            "EndOffsetMillis": 5960
          }
        ]
      }
    },
    "TotalConversationDurationMillis": 42460,
    "Sentiment": {
      "OverallSentiment": {
        "AGENT": 2.5,
        "CUSTOMER": 2.1
      },
      "SentimentByPeriod": {
        "QUARTER": {
          "AGENT": [
            {
              "Score": 0.0,
              "BeginOffsetMillis": 0,
              "EndOffsetMillis": 9862
            },
            {
              "Score": -5.0,
              "BeginOffsetMillis": 9862,
              "EndOffsetMillis": 19725
            },
            {
              "Score": 5.0,
              "BeginOffsetMillis": 19725,
              "EndOffsetMillis": 29587
            },
            {
              "Score": 5.0,
              "BeginOffsetMillis": 29587,
              "EndOffsetMillis": 39450
            }
          ],
          "CUSTOMER": [
            {
              "Score": -2.5,
              "BeginOffsetMillis": 0,
              "EndOffsetMillis": 10615
            },
            {
              "Score": 5.0,
              "BeginOffsetMillis": 10615,
              "EndOffsetMillis": 21230
            },
            {
              "Score": 2.5,
              "BeginOffsetMillis": 21230,
              "EndOffsetMillis": 31845
            },
            {
              "Score": 5.0,
              "BeginOffsetMillis": 31845,
              "EndOffsetMillis": 42460
            }
          ]
        }
      }
    },
    "TalkSpeed": {
      "DetailsByParticipant": {
        "AGENT": {
          "AverageWordsPerMinute": 150
        },
        "CUSTOMER": {
          "AverageWordsPerMinute": 167
        }
      }
    },
    "TalkTime": {
      "DetailsByParticipant": {
        "AGENT": {
          "TotalTimeMillis": 32750
        },
        "CUSTOMER": {
          "TotalTimeMillis": 18010
        }
      },
      "TotalTimeMillis": 50760
    }
  }
}
